// The `http_handler` host module (spec otoroshi-wasm.md §7, https://http-wasm.io/http-handler-abi/): every
// function of the ABI, linked per VM with that VM's state. Only http-wasm VMs get it, and they get none of
// Otoroshi's `env` functions (Otoroshi built them with importDefaultHostFunctions = false).
//
// Failure policy (as http-wasm-host-go): a bad pointer, an empty header name or method, an unsupported kind,
// a request change after `next`, a response change after `next` without buffer_response, or any trailer write
// is a trap with a message naming the function; the driver turns it into a 500 for that request and recycles
// the VM.
#pragma once

#include <memory>

#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/http_wasm/state.h"
#include "wasm/engine/imports.h"

namespace wasmgate::abi::http_wasm {

// Adds every http_handler function under kHostModule, bound to `state` and `context` (the VM's own; both
// outlive its guest). Logs go to spdlog tagged with the plugin id, filtered by context.log_level.
void add_http_handler_imports(engine::Imports& imports, std::shared_ptr<HttpWasmVmState> state,
                              const VmHostContext& context);

}  // namespace wasmgate::abi::http_wasm
