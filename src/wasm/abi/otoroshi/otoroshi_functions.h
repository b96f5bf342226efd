// Otoroshi's host functions (spec otoroshi-wasm.md §4): proxy_log, proxy_http_call, the attrs, state and
// configuration readers, the persistent datastores and the in-memory maps, imported by guests from module
// `env` (`env/Otoroshi` when WasmConfig.isJS).
//
// Authorization = registration (§4.1): a function whose authorization is off is not linked at all, and a
// guest importing it fails to load with "import env.<fn> requires authorizations.<flag>". proxy_log,
// proxy_log_event and the attribute functions are always linked.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/otoroshi/host_services.h"
#include "wasm/engine/imports.h"

namespace wasmgate::abi::otoroshi {

inline constexpr std::string_view kModule = "env";
inline constexpr std::string_view kJsModule = "env/Otoroshi";  // WasmConfig.isJS
// The VmHostContext::extensions entry of this family.
inline constexpr std::string_view kExtensionName = "otoroshi";

// WasmConfig.authorizations (§1.2), as the ABI layer needs them.
struct DataRights {
  bool read = false;
  bool write = false;
};
struct Grants {
  bool http_access = false;
  std::chrono::milliseconds http_call_timeout{5000};  // proxyHttpCallTimeout
  DataRights global_data_store;
  DataRights plugin_data_store;
  DataRights global_map;
  DataRights plugin_map;
  bool proxy_state = false;
  bool configuration = false;
};

struct LinkOptions {
  // Scope of proxy_plugin_datastore_* and proxy_plugin_map_*: the WasmPlugin entity id. [quirk] Otoroshi
  // scopes them by its pool id (source + a hash of the whole config), so editing any field of the config
  // loses the plugin's data; the entity id keeps it across edits.
  std::string plugin_id;
  bool is_js = false;
  Grants grants;
  // WasmConfig.allowedHosts, with Otoroshi's rule for proxy_http_call: empty or "*" allows every host.
  std::vector<std::string> allowed_hosts;
  HostServicesPtr services;  // required
};

// Per-VM state of the family, in VmHostContext::extensions["otoroshi"].
struct VmState {
  LinkOptions options;
  // The attrs of the request the running call serves; null outside a request (jobs), where the attribute
  // functions see an empty object. Set by AttrsScope.
  CallAttrs* attrs = nullptr;
};

// Links every function `options.grants` allows under env (or env/Otoroshi), records the withheld ones in
// context.refused_imports (so the load error names their authorization) and keeps the VM's state in
// context.extensions. BadRequest when options.services is null.
Result<void> add_host_functions(engine::Imports& imports, VmHostContext& context, LinkOptions options);

// The family's state of a VM, or null when the VM was created without it (an http-wasm VM).
VmState* vm_state(VmHostContext& context);

// Makes `attrs` the attrs of the VM's calls while it lives (nothing when the VM has no Otoroshi functions or
// attrs is null). Create it on the thread that makes the call, around the call.
class AttrsScope {
 public:
  AttrsScope(VmHostContext& context, CallAttrs* attrs);
  ~AttrsScope();
  AttrsScope(const AttrsScope&) = delete;
  AttrsScope& operator=(const AttrsScope&) = delete;

 private:
  VmState* state_;
};

// For tests and docs: every function name with the authorization flag that gates it ("" for always).
struct FunctionGate {
  std::string_view name;
  std::string_view flag;
};
std::vector<FunctionGate> function_gates();

}  // namespace wasmgate::abi::otoroshi
