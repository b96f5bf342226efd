// NgHttpWasm slots on the buffered exchange (plugin_http_wasm.cpp; spec otoroshi-wasm.md §7): each applying
// slot's handle_request runs, in plan order, on the request as it would leave for the backend; a guest
// returning next=0 answers the client itself. Each slot that went on keeps its VM until its handle_response,
// which runs after the backend (or after a later guest's own answer), in reverse order, as middleware
// unwinds. A trap answers 500.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"
#include "plugins/plugin_runtime.h"
#include "plugins/route_plan.h"
#include "plugins/step_context.h"
#include "proxy/detail/plugin_flow.h"
#include "wasm/abi/http_wasm/state.h"
#include "wasm/vm_pool_lease.h"

namespace wasmgate::proxy::detail {

// A slot whose handle_request said next=1: its VM, held until its handle_response.
struct HttpWasmHeld {
  const plugins::BoundPlugin* plugin = nullptr;
  wasm::VmLease lease;
  abi::http_wasm::GuestRequest guest;
  std::uint32_t ctx = 0;
};

// The http-wasm state of one request.
struct HttpWasmChain {
  abi::http_wasm::Exchange exchange;
  std::vector<HttpWasmHeld> held;  // in request order
};

// The client's address as the ABI's get_source_addr gives it: "1.2.3.4:5678", "[::1]:5678" ("" if unknown).
std::string source_address(const boost::asio::ip::tcp::socket& socket);

// The request as the backend would get it, into the exchange: `uri` is its origin form ("/p?q"), `body`
// nullopt when it has none. `client_host` (the Host the client sent) is shown first as "Host", as Go hosts
// list it.
void load_http_wasm_request(abi::http_wasm::Exchange& exchange, const plugins::OutgoingRequest& request,
                            const std::optional<std::string>& body, std::string uri,
                            std::string_view client_host);
// The guests' changes back: method, headers, URL (`base_url` + the exchange's URI) and body (set when a guest
// wrote one). A Host still equal to `client_host` is dropped (the backend gets its target's Host as usual); a
// Host a guest set goes to the backend.
void store_http_wasm_request(const abi::http_wasm::Exchange& exchange, std::string_view base_url,
                             std::string_view client_host, plugins::OutgoingRequest& request,
                             std::optional<std::string>& body);

// Runs handle_request of `slots` that apply to `path`. nullopt: go on to the backend, then call
// run_http_wasm_responses. Otherwise how the request ends: a guest's own answer (next=0; the slots before it
// have already seen it in handle_response) or an error (500: trap, unbound slot, httpWasm not set).
boost::asio::awaitable<std::optional<StepStop>> run_http_wasm_requests(
    plugins::PluginRuntime& runtime, const std::vector<plugins::SlotPlan>& slots, std::string_view path,
    const model::Route& route, HttpWasmChain& chain);

// Runs handle_response of the held slots, last first, over `response` (rewritten in place) and releases their
// VMs. `is_error`: `response` is the gateway's error answer, not the backend's. A trap ends with a 500
// StepStop.
std::optional<StepStop> run_http_wasm_responses(HttpWasmChain& chain, HttpResponse& response, bool is_error);

}  // namespace wasmgate::proxy::detail
