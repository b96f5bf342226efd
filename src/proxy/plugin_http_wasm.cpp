// NgHttpWasm on the buffered exchange (detail/plugin_http_wasm.h). Guest code runs on the I/O thread when a
// VM is free, as other non-blocking plugins do (http-wasm guests cannot make network calls); waiting for a
// busy pool's VM happens on the blocking pool. No Beast here: the exchange's data is plain strings and header
// lists.
#include "proxy/detail/plugin_http_wasm.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "wasm/http_wasm_handler.h"
#include "wasm/vm.h"

namespace wasmgate::proxy::detail {
namespace {

namespace asio = boost::asio;
using plugins::BoundPlugin;
using plugins::PluginRuntime;
using plugins::SlotPlan;

// A VM of the slot's pool: inline when one is free, else waited for on the blocking pool. The wait's result
// is posted straight to this coroutine's executor: with co_spawn, each completion would first need a
// blocking-pool thread, and when every one of those is busy waiting for a VM — VMs that only the resumed
// holders release — nothing moves until the waits time out.
asio::awaitable<Result<wasm::VmLease>> lease_for(PluginRuntime& runtime, const BoundPlugin& plugin) {
  if (auto leased = runtime.try_lease(plugin)) co_return std::move(*leased);
  using Waited = std::optional<Result<wasm::VmLease>>;
  const auto resume_on = co_await asio::this_coro::executor;
  auto waited = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Waited)>(
      [&runtime, &plugin, resume_on](auto handler) {
        asio::post(runtime.blocking_executor(), [&runtime, &plugin, resume_on,
                                                 handler = std::move(handler)]() mutable {
          Waited leased(runtime.lease(plugin));
          asio::post(resume_on, [handler = std::move(handler), leased = std::move(leased)]() mutable {
            std::move(handler)(std::move(leased));
          });
        });
      },
      asio::use_awaitable);
  co_return std::move(*waited);
}

StepStop failed(std::string message) {
  return StepStop{std::nullopt, 500, std::move(message)};
}

}  // namespace

std::string source_address(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return {};
  const auto address = peer.address();
  if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), peer.port());
  return fmt::format("{}:{}", address.to_string(), peer.port());
}

void load_http_wasm_request(abi::http_wasm::Exchange& exchange, const plugins::OutgoingRequest& request,
                            const std::optional<std::string>& body, std::string uri,
                            std::string_view client_host) {
  exchange.method = request.method;
  exchange.uri = uri.empty() ? std::string("/") : std::move(uri);
  exchange.protocol = request.version;
  exchange.request_headers.clear();
  exchange.request_headers.reserve(request.headers.size() + 1);
  if (!client_host.empty()) exchange.request_headers.emplace_back("Host", std::string(client_host));
  exchange.request_headers.insert(exchange.request_headers.end(), request.headers.begin(),
                                  request.headers.end());
  exchange.request_body = body.value_or(std::string());
}

void store_http_wasm_request(const abi::http_wasm::Exchange& exchange, std::string_view base_url,
                             std::string_view client_host, plugins::OutgoingRequest& request,
                             std::optional<std::string>& body) {
  request.method = exchange.method;
  request.url = std::string(base_url) + exchange.uri;
  request.headers = exchange.request_headers;
  const auto hosts = std::count_if(request.headers.begin(), request.headers.end(),
                                   [](const auto& h) { return iequals(h.first, "host"); });
  if (hosts == 1) {
    std::erase_if(request.headers,
                  [&](const auto& h) { return iequals(h.first, "host") && h.second == client_host; });
  }
  if (body || exchange.request_body_written) body = exchange.request_body;
}

asio::awaitable<std::optional<StepStop>> run_http_wasm_requests(PluginRuntime& runtime,
                                                                const std::vector<SlotPlan>& slots,
                                                                std::string_view path,
                                                                const model::Route& route,
                                                                HttpWasmChain& chain) {
  for (const SlotPlan& slot : slots) {
    if (!slot.applies_to(path)) continue;
    if (!slot.binding) {
      spdlog::warn("route {} plugins[{}] (NgHttpWasm): {}", route.id, slot.index,
                   slot.binding.error().message);
      co_return failed(slot.binding.error().message);
    }
    const BoundPlugin& plugin = *slot.binding;
    if (!plugin.config.http_wasm) {
      co_return failed(
          fmt::format("plugin {}: NgHttpWasm runs http-wasm guests only (set httpWasm: true in its "
                      "WasmConfig)",
                      plugin.plugin_id));
    }
    auto leased = co_await lease_for(runtime, plugin);
    if (!leased)
      co_return StepStop{std::nullopt, errc_http_status(leased.error().code), leased.error().message};

    HttpWasmHeld held{&plugin, std::move(*leased), {}, 0};
    held.guest.exchange = &chain.exchange;
    wasm::HttpWasmDecision decision;
    auto ran = PluginRuntime::run_held(held.lease, plugin, [&](wasm::Vm& vm) -> Result<void> {
      auto decided = wasm::http_wasm_handle_request(vm, held.guest);
      if (!decided) return decided.take_error();
      decision = *decided;
      return {};
    });
    if (!ran) {
      spdlog::warn("route {} plugins[{}] (NgHttpWasm): handle_request failed: {}", route.id, slot.index,
                   ran.error().message);
      co_return failed(ran.error().message);
    }
    if (!decision.next) {
      // The guest answers. Its VM goes back now; the slots before it see its answer as their next handler's.
      held.lease.release();
      auto& exchange = chain.exchange;
      HttpResponse response{exchange.status, std::exchange(exchange.response_headers, {}),
                            std::exchange(exchange.response_body, {})};
      if (auto stop = run_http_wasm_responses(chain, response, /*is_error=*/false)) co_return stop;
      co_return StepStop{std::move(response)};
    }
    held.ctx = decision.ctx;
    chain.held.push_back(std::move(held));
  }
  co_return std::nullopt;
}

std::optional<StepStop> run_http_wasm_responses(HttpWasmChain& chain, HttpResponse& response, bool is_error) {
  auto& exchange = chain.exchange;
  // Response headers a guest set before `next` stay, ahead of the response's own: a Go host's handlers share
  // one header map, and its reverse proxy adds the backend's headers to it.
  HeaderList headers = std::exchange(exchange.response_headers, {});
  for (auto& h : response.headers) headers.push_back(std::move(h));
  exchange.status = response.status;
  exchange.response_headers = std::move(headers);
  exchange.response_body = std::move(response.body);

  std::optional<StepStop> stop;
  for (auto it = chain.held.rbegin(); it != chain.held.rend() && !stop; ++it) {
    HttpWasmHeld& held = *it;
    auto ran = PluginRuntime::run_held(held.lease, *held.plugin, [&](wasm::Vm& vm) {
      return wasm::http_wasm_handle_response(vm, held.guest, held.ctx, is_error);
    });
    if (!ran) {
      spdlog::warn("plugin {} (NgHttpWasm): handle_response failed: {}", held.plugin->plugin_id,
                   ran.error().message);
      stop = failed(ran.error().message);
    }
  }
  chain.held.clear();  // every VM goes back (a failed one is recycled)
  if (stop) return stop;
  response.status = exchange.status;
  response.headers = std::move(exchange.response_headers);
  response.body = std::move(exchange.response_body);
  return std::nullopt;
}

}  // namespace wasmgate::proxy::detail
