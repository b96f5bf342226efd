// The global wasm steps of a proxied request (spec otoroshi-wasm.md §3.2): WasmRequestHandler (a handled domain
// is answered by the plugin, no route involved), WasmRouter (picks a route before the route index) and WasmSink
// (answers requests no route matched).
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "model/route.h"
#include "plugins/global_steps.h"
#include "proxy/detail/plugin_flow.h"
#include "proxy/detail/proxy_call.h"
#include "proxy/error_response.h"
#include "proxy/route_index.h"
#include "proxy/worker.h"

namespace wasmgate::proxy::detail {

namespace {

using plugins::BoundPlugin;
using plugins::SlotPlan;

// backend.root + the request path, minus the part the router says it matched when the route strips it (as
// RouteIndex does for indexed routes).
std::string forwarded_path(const model::Route& route, std::string_view path, std::string_view matched) {
  std::string_view rest = path;
  if (route.frontend.strip_path && !matched.empty() && matched != "/" && rest.starts_with(matched)) {
    rest.remove_prefix(matched.size());
  }
  std::string root = route.backend.root;
  while (!root.empty() && root.back() == '/') root.pop_back();
  std::string out = root;
  if (rest.empty() || rest.front() != '/') out += '/';
  out += rest;
  return out;
}

constexpr std::size_t kDynamicSlot = static_cast<std::size_t>(-1);

}  // namespace

asio::awaitable<ProxyCall::Gate> ProxyCall::run_global_plugins(const plugins::GlobalPlan& global,
                                                               std::string_view host,
                                                               std::optional<RouteMatch>& match, bool& keep) {
  const Result<BoundPlugin>* handler = nullptr;
  if (!global.request_handlers.empty()) handler = global.handler_for(normalize_host(host));
  if (handler == nullptr && global.routers.empty()) co_return Gate::Go;
  if (!begin_plugins()) {
    keep = co_await answer_error(500, kMsgNoPluginRuntime);
    co_return Gate::Answered;
  }
  PluginRequest& state = *plugin_;
  const plugins::RequestFacts& facts = state.facts;

  // ---- WasmRequestHandler: the handled domain is the plugin's alone.
  if (handler != nullptr) {
    if (!*handler) {
      spdlog::warn("WasmRequestHandler for {}: {}", host, handler->error().message);
      keep = co_await answer_error(500, handler->error().message);
      co_return Gate::Answered;
    }
    std::optional<std::string> body;
    switch (co_await read_whole_body(body)) {
      case BodyRead::Ok: break;
      case BodyRead::Failed: keep = false; co_return Gate::Answered;
      case BodyRead::TooLarge:
        keep = co_await answer_error(413, kMsgPluginBodyTooLarge);
        co_return Gate::Answered;
    }
    const BoundPlugin& plugin = **handler;
    auto out = co_await call_plugin(plugin, plugin.function,
                                    boost::json::serialize(plugins::request_handler_context(facts, body)));
    Result<boost::json::object> json = out ? plugins::parse_output(*out) : Result<boost::json::object>(out.error());
    if (!json) {  // Otoroshi: 500 with the error JSON
      keep = co_await answer(HttpResponse::json(500, plugins::call_error_json(json.error().message)));
      co_return Gate::Answered;
    }
    keep = co_await answer(plugins::request_handler_response(*json));
    co_return Gate::Answered;
  }

  // ---- WasmRouter: the first router that returns a valid route wins; failures mean "no route" (Otoroshi).
  const std::string_view path = std::string_view(facts.uri).substr(0, facts.uri.find('?'));
  for (const SlotPlan& slot : global.routers) {
    if (!slot.applies_to(path) || !slot.binding) continue;
    const BoundPlugin& plugin = *slot.binding;
    auto out = co_await call_plugin(
        plugin, plugin.function,
        boost::json::serialize(plugins::router_context(facts, slot.slot->config, state.attrs)));
    if (!out) {
      spdlog::debug("WasmRouter {}: {}", plugin.plugin_id, out.error().message);
      continue;
    }
    auto json = plugins::parse_output(*out);
    if (!json) continue;
    auto decision = plugins::router_decision(*json);
    if (!decision) continue;
    auto route = model::parse_route(boost::json::value(decision->route));
    if (!route) {
      spdlog::warn("WasmRouter {} returned an invalid route: {}", plugin.plugin_id, route.error().message);
      continue;
    }
    state.dynamic_route = std::make_shared<const model::Route>(std::move(*route));
    const Snapshot& snapshot = *worker_.snapshot();
    state.dynamic_plan = plugins::build_route_plan(state.dynamic_route, [&](std::string_view id) {
      return snapshot.find_wasm_plugin(std::string(id));
    });
    RouteMatch m;
    m.route = state.dynamic_route.get();
    m.slot = kDynamicSlot;  // not in the index: no per-slot state (round robin starts at the first target)
    m.forwarded_path = forwarded_path(*m.route, path, decision->path);
    match = std::move(m);
    co_return Gate::Go;
  }
  co_return Gate::Go;
}

asio::awaitable<bool> ProxyCall::serve_sink(const plugins::GlobalPlan& global) {
  if (!begin_plugins()) co_return co_await answer_error(500, kMsgNoPluginRuntime);
  PluginRequest& state = *plugin_;
  const plugins::RequestFacts& facts = state.facts;
  const std::string_view path = std::string_view(facts.uri).substr(0, facts.uri.find('?'));
  for (const SlotPlan& slot : global.sinks) {
    if (!slot.applies_to(path) || !slot.binding) continue;
    const BoundPlugin& plugin = *slot.binding;
    const boost::json::object& config = slot.slot->config;
    // sink_matches is fixed (functionName is not used for it, §3.0); a failure means "does not match".
    auto matches = co_await call_plugin(
        plugin, "sink_matches",
        boost::json::serialize(
            plugins::sink_context(facts, config, state.attrs, "NgReverseProxy", 404, kMsgNoRoute, nullptr)));
    if (!matches) continue;
    auto matched = plugins::parse_output(*matches);
    if (!matched || !plugins::route_matches(*matched)) continue;

    std::optional<std::string> body;
    switch (co_await read_whole_body(body)) {
      case BodyRead::Ok: break;
      case BodyRead::Failed: co_return false;
      case BodyRead::TooLarge: co_return co_await answer_error(413, kMsgPluginBodyTooLarge);
    }
    const std::string body_bytes = body.value_or("");
    const std::string function = plugin.function == plugins::default_function(plugins::WasmPluginKind::Sink) ||
                                         !plugin.config.function_name.empty()
                                     ? plugin.function
                                     : std::string("sink_handle");
    auto out = co_await call_plugin(
        plugin, function,
        boost::json::serialize(
            plugins::sink_context(facts, config, state.attrs, "NgReverseProxy", 404, kMsgNoRoute, &body_bytes)));
    Result<boost::json::object> json = out ? plugins::parse_output(*out) : Result<boost::json::object>(out.error());
    if (!json) co_return co_await answer(HttpResponse::json(500, plugins::call_error_json(json.error().message)));
    co_return co_await answer(plugins::sink_response(*json));
  }
  co_return co_await answer_error(404, kMsgNoRoute);
}

}  // namespace wasmgate::proxy::detail
