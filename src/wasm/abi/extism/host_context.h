// What the C++ half of `extism:host/env` needs to serve one VM: its settings (config, allowed hosts, limits),
// its state (vars, last HTTP response) and a way into the kernel's memory. One per VM, owned by it, at a
// stable address handed to the engine as the guest instance's user data (HostCall::user_data()).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/http_fetcher.h"
#include "wasm/engine/host_function.h"
#include "wasm/engine/instance.h"

namespace wasmgate::abi {

// Extism's defaults (manifest `memory.*`), overridable per VM.
inline constexpr std::uint64_t kDefaultMaxVarBytes = 1024 * 1024;                // all vars of a VM together
inline constexpr std::uint64_t kDefaultMaxHttpResponseBytes = 50 * 1024 * 1024;  // one http_request body
// An outbound call never waits longer than this, whatever the call deadline (DESIGN §4).
inline constexpr std::chrono::seconds kMaxHttpRequestTimeout{30};

// Extism's numbering, as get_log_level returns it.
enum class PluginLogLevel : std::int32_t {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Off = std::numeric_limits<std::int32_t>::max(),
};
// trace|debug|info|warn|error|off (also "warning", "err"), else nullopt.
std::optional<PluginLogLevel> parse_plugin_log_level(std::string_view name);
// The level of spdlog's default logger, as a plugin level (critical counts as error).
PluginLogLevel plugin_log_level_from_spdlog();

struct VmHostContext {
  // Settings, fixed at VM creation.
  std::string plugin_id;  // for logs and messages; may be empty
  std::map<std::string, std::string, std::less<>> config;
  std::vector<std::string> allowed_hosts;  // globs; empty allows nothing
  std::uint64_t max_var_bytes = kDefaultMaxVarBytes;
  std::uint64_t max_http_response_bytes = kDefaultMaxHttpResponseBytes;
  PluginLogLevel log_level = PluginLogLevel::Info;
  std::shared_ptr<HttpFetcher> http;  // null: http_request fails with a clear error

  // The kernel instance of this VM (same store), set once it is instantiated.
  engine::Instance* kernel = nullptr;
  engine::Memory* kernel_memory = nullptr;
  std::uint32_t state_address = 0;  // value of the kernel's wg_state global
  engine::FuncHandle kernel_alloc;

  // State that lives as long as the VM.
  std::map<std::string, std::string, std::less<>> vars;
  std::uint64_t var_bytes = 0;                   // sum of key and value sizes
  int http_status = 0;                           // of the last http_request, 0 before any
  std::optional<std::string> http_headers_json;  // of the last http_request that got a response
  // Set when an allocation for the guest failed in the current call, so the VM reports PluginMemory.
  bool memory_exhausted = false;
  // Per-VM state of the host-function families added by VmSpec's import hooks, owned here, by family name
  // ("otoroshi", "wasi", "opa", "http_wasm"; each family casts its own entry back with static_pointer_cast —
  // no RTTI in this build).
  std::map<std::string, std::shared_ptr<void>, std::less<>> extensions;
  // Imports a hook withheld on purpose, by qualified name ("env.proxy_http_call") → why, e.g. "requires
  // authorizations.httpAccess": check_imports_resolved reports a guest importing one as "import <name> <why>".
  std::map<std::string, std::string, std::less<>> refused_imports;

  // "plugin <id>" or "plugin" when the id is empty: the prefix of messages.
  std::string label() const;

  // The bytes of live kernel block `handle`, valid until the guest runs again or kernel memory grows (copy
  // before allocating). BadRequest "invalid handle offset for <what>: <handle>" for 0, freed or forged ones.
  Result<std::string_view> read_block(std::uint64_t handle, std::string_view what) const;

  // A new kernel block holding `bytes` (the guest owns it, as with Extism's memory_new); 0 for no bytes.
  // PluginMemory when the kernel cannot grow, and memory_exhausted is set.
  Result<std::uint64_t> alloc_bytes(std::string_view bytes);
};

// The context of the VM whose guest made `call`; Internal error when the instance carries none (a host
// function linked outside a Vm).
Result<VmHostContext*> host_context(engine::HostCall& call);

}  // namespace wasmgate::abi
