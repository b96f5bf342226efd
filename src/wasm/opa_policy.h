// OPA mode (WasmConfig `opa: true`, spec otoroshi-wasm.md §6): a policy compiled by `opa build -t wasm`
// evaluated on a VM of the plugin's pool. The VM links the OPA imports (abi/opa/opa_imports.h) beside the
// usual ones; the VM loads the policy when it is created (ABI version, its built-ins resolved by name,
// data `{}` parsed once); each evaluation writes the input JSON at the heap base and calls the one-shot
// opa_eval (ABI 1.2+), always on entrypoint 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "wasm/vm.h"
#include "wasm/vm_modules.h"
#include "wasm/vm_spec.h"

namespace wasmgate::wasm {

// env.memory may grow to this many pages when the module does not declare a maximum: Otoroshi sets none,
// which lets one policy take any amount of memory; 64 MiB is far above what a policy evaluation needs (the
// heap restarts from the same base at every evaluation).
inline constexpr std::uint32_t kOpaMaxMemoryPages = 1024;

// The imports hook of an OPA VM. env.memory starts at memoryPages pages, as in Otoroshi (at least the
// module's declared minimum, at most its declared maximum). A module that does not import env.memory is not
// an OPA policy: the hook then fails the VM's creation with PluginLoad saying so.
ImportsHook opa_imports_hook(const VmModules& modules, std::uint32_t memory_pages);

// Loads the policy on `vm` if not done yet (ABI version, built-ins resolved by name, data `{}`): the created
// hook of OPA VMs, so that a policy that cannot load fails the VM's creation, naming the reason.
Result<void> load_opa_policy(Vm& vm);

// Evaluates the policy's entrypoint 0 with `input` (JSON text) as `input` and returns the result set as JSON
// text, e.g. `[{"result":true}]`. Call from the thread holding a Vm::Pin (PluginRuntime::run does). Errors:
// PluginLoad when the module is not a usable OPA policy (missing export, ABI version, a built-in wasmgate
// does not implement — named), else the call's error (trap, opa_abort message, timeout, memory).
Result<std::string> evaluate_opa(Vm& vm, std::string_view input);

// Otoroshi's WasmOPA decision: allowed iff result[0].result is true. An empty result counts as
// [{"result":false}]; text that is not JSON is BadRequest.
Result<bool> opa_result_allows(std::string_view result_set);

}  // namespace wasmgate::wasm
