// The http-wasm driver (spec otoroshi-wasm.md §7, https://http-wasm.io/http-handler-abi/): builds on wasm::Vm
// what an http-wasm host does around the guest — links `http_handler` (imports hook), runs `_start` once per
// VM, calls handle_request with the request as the guest's current one and handle_response after the next
// handler.
//
// Use it on a leased VM under a Vm::Pin (PluginRuntime::run_held): handle_request and handle_response of one
// request run on the same VM, so the ctx the guest returned means something to the instance that gets it
// back. A trap (in the guest or a host function: bad pointer, forbidden change) fails the call with
// PluginTrap, marks the VM failed (it is recycled) and leaves the Exchange possibly half-changed: answer that
// request with an error.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "wasm/abi/http_wasm/state.h"
#include "wasm/vm.h"
#include "wasm/vm_spec.h"

namespace wasmgate::wasm {

// What get_config returns for WasmConfig.config (a string map): its JSON object in stored order, {"k":"v"};
// empty (length 0, as a host without configuration answers) when the map is empty.
std::string http_wasm_guest_config(const std::vector<std::pair<std::string, std::string>>& config);

// The imports hook of an http-wasm VM: adds http_handler (every function, bound to a fresh per-VM state kept
// in VmHostContext::extensions["http_wasm"]) whose get_config returns `guest_config`.
ImportsHook http_wasm_imports_hook(std::string guest_config);

// What handle_request decided: next = go on to the backend (then call handle_response with ctx); otherwise
// the guest's response (the Exchange's status, response headers and body) answers the client.
struct HttpWasmDecision {
  bool next = true;
  std::uint32_t ctx = 0;
};

// Splits handle_request's ctx_next: next is the low bit of the low 32 bits, ctx the high 32 bits.
HttpWasmDecision decode_ctx_next(std::int64_t ctx_next);

// Runs handle_request() -> i64 on `vm` with `request` current (its features start as the VM's). The first
// call on a VM checks the guest's exports (memory, handle_request () -> i64, handle_response (i32, i32) ->
// (); a mismatch is PluginLoad naming it) and runs its `_start` if it exports one. `vm` must have been
// created with http_wasm_imports_hook (Internal otherwise).
// Checks the guest's exports and runs its `_start` once: the created hook of http-wasm VMs, so `_start`
// runs at instantiation and a guest that cannot serve fails its creation.
Result<void> start_http_wasm_guest(Vm& vm);

Result<HttpWasmDecision> http_wasm_handle_request(Vm& vm, abi::http_wasm::GuestRequest& request);

// Runs handle_response(req_ctx, is_error) on the VM that ran handle_request for `request`, after the next
// handler: the Exchange then holds the backend's response (or the gateway's error answer, with is_error).
Result<void> http_wasm_handle_response(Vm& vm, abi::http_wasm::GuestRequest& request, std::uint32_t ctx,
                                       bool is_error);

}  // namespace wasmgate::wasm
