// The host side of an OPA policy compiled to wasm (spec otoroshi-wasm.md §6, OPA's wasm ABI), module `env`:
//   memory                                  a store-owned linear memory the policy imports
//   opa_abort(addr i32)                     the policy gave up: the call fails with its message
//   opa_println(addr i32)                   a debug line from the policy, logged at debug level
//   opa_builtin0..4(id i32, ctx i32, args i32…) -> i32
//                                           a built-in the module does not contain: `id` is its number in
//                                           the module's `builtins` export, args and result are addresses of
//                                           OPA values (converted through JSON, opa_values.h)
// No authorization gates them: a policy can reach nothing outside its memory through them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/opa/builtins.h"
#include "wasm/engine/imports.h"
#include "wasm/engine/store.h"
#include "wasm/engine/types.h"

namespace wasmgate::abi::opa {

// The key of OpaVmState in VmHostContext::extensions.
inline constexpr std::string_view kExtensionName = "opa";

// What the module's own import declarations ask for; read from the module before linking.
struct OpaImportOptions {
  engine::Limits memory;  // env.memory as created for this VM
  // [quirk] Otoroshi declares opa_println as (i64) -> i64, which no OPA-compiled policy imports (the ABI is
  // (i32) -> ()). We link the real signature, and Otoroshi's when a module asks for exactly that one, so a
  // module written against Otoroshi's declaration loads too (its argument is read as an address as well).
  bool println_i64 = false;
};

// Per-VM state of an OPA policy, in VmHostContext::extensions["opa"].
struct OpaVmState {
  engine::Memory* memory = nullptr;  // env.memory, owned by the store
  // Filled when the policy is loaded (wasm/opa_policy.cpp): index = the module's builtin id; nullptr for
  // ids the module does not list.
  std::vector<const Builtin*> builtins;
  BuiltinContext builtin_context;  // set before each evaluation
  // Loaded once per VM: data ({}) parsed into the heap, and the heap pointer evaluations restart from.
  bool loaded = false;
  std::int32_t data_address = 0;
  std::int32_t base_heap_pointer = 0;
};

// The VM's OPA state, or nullptr when it has none (not an OPA VM).
OpaVmState* opa_state(VmHostContext& context);

// Creates env.memory with options.memory in `store`, registers the imports above and the per-VM state.
Result<void> add_opa_imports(engine::Imports& imports, VmHostContext& context, engine::Store& store,
                             const OpaImportOptions& options);

}  // namespace wasmgate::abi::opa
