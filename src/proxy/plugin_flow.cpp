// The wasm plugin steps of a proxied request (spec otoroshi-wasm.md §3.2): MatchRoute, PreRoute and
// ValidateAccess before the backend call (the request then streams on as usual), and for routes with
// transformer or backend plugins a buffered exchange: the request body is read whole (bounded), transformed,
// sent to a wasm backend or the real one, and the response read whole, transformed and written.
//
// Every plugin answer and every plugin failure ends in a defined HTTP answer for this request only: a trap,
// a timeout or output that is not JSON never resets or hangs the client connection.
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "plugins/step_output.h"
#include "proxy/detail/ascii.h"
#include "proxy/detail/plugin_flow.h"
#include "proxy/detail/proxy_call.h"
#include "proxy/detail/upstream_connect.h"
#include "proxy/error_response.h"
#include "proxy/limits.h"
#include "proxy/target_selector.h"
#include "proxy/worker.h"

namespace wasmgate::proxy::detail {

namespace {

using plugins::BoundPlugin;
using plugins::SlotPlan;
using plugins::WasmPluginKind;

std::atomic<std::uint64_t> g_request_ids{1};

// Otoroshi's snowflakes are numeric strings; ours: milliseconds since the epoch, then a process-wide counter
// (unique per process, roughly time-ordered).
std::string make_snowflake(std::uint64_t id) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return std::to_string(ms) + std::to_string(100000 + id % 100000).substr(1);
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

}  // namespace

asio::awaitable<Result<std::string>> ProxyCall::call_plugin(const BoundPlugin& plugin, std::string_view function,
                                                            std::string input) {
  plugins::PluginRuntime* runtime = plugin_->runtime;
  // Inline on this I/O thread when a VM is free and the guest cannot wait on the network (DESIGN §4);
  // otherwise on the blocking pool, this coroutine resuming here when done.
  if (!plugins::PluginRuntime::may_block(plugin)) {
    if (auto done = runtime->try_call(plugin, function, input)) co_return std::move(*done);
  }
  auto result = co_await asio::co_spawn(
      runtime->blocking_executor(),
      [&]() -> asio::awaitable<std::optional<Result<std::string>>> { co_return runtime->call(plugin, function, input); },
      asio::use_awaitable);
  co_return std::move(*result);
}

asio::awaitable<bool> ProxyCall::answer(HttpResponse response) {
  bool keep = client_keep_;
  if (!parser_.is_done()) {
    const bool body_held_back = expect_continue_ && !continue_sent_;
    keep = keep && !body_held_back && co_await drain_body(worker_, client_, parser_);
  }
  if (plugin_) {
    for (auto& header : plugins::response_add_headers(plugin_->attrs)) response.headers.push_back(std::move(header));
  }
  const bool ok = co_await write_response(client_, std::move(response), version_, keep, head_request_);
  co_return ok && keep;
}

asio::awaitable<bool> ProxyCall::answer_error(int status, std::string_view message) {
  co_return co_await answer(make_error_response(status, message, accept_, otoroshi_state_));
}

bool ProxyCall::begin_plugins() {
  if (plugin_) return plugin_->runtime != nullptr;
  plugin_ = std::make_unique<PluginRequest>();
  PluginRequest& state = *plugin_;
  state.runtime = worker_.shared().plugins.get();
  state.global_config = worker_.snapshot()->global_config;
  const auto& req = parser_.get();
  plugins::RequestFacts& facts = state.facts;
  facts.id = g_request_ids.fetch_add(1, std::memory_order_relaxed);
  facts.snowflake = make_snowflake(facts.id);
  facts.method = std::string(req.method_string());
  facts.uri = std::string(req.target());
  facts.version = version_ == 10 ? "HTTP/1.0" : "HTTP/1.1";
  for (const auto& f : req) facts.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  facts.remote = std::string(client_.remote_ip);
  facts.has_body = !parser_.is_done();
  state.attrs["otoroshi.core.SnowFlake"] = facts.snowflake;
  return state.runtime != nullptr;
}

asio::awaitable<ProxyCall::Gate> ProxyCall::run_request_plugins(const plugins::RoutePlan& plan,
                                                                const RouteMatch& match, std::string_view host,
                                                                bool& keep) {
  (void)host;
  if (!begin_plugins()) {
    keep = co_await answer_error(500, kMsgNoPluginRuntime);
    co_return Gate::Answered;
  }
  PluginRequest& state = *plugin_;
  const plugins::RequestFacts& facts = state.facts;
  const model::Route& route = *match.route;

  const std::string_view path = std::string_view(facts.uri).substr(0, facts.uri.find('?'));
  plugins::StepScope scope;
  scope.route = &route;
  scope.global_config = &state.global_config->plugins_config;
  scope.attrs = &state.attrs;

  // A slot that could not be bound (missing entity, bad config) fails the request with a 500, logged with the
  // route and the plugin (spec §2.2 "plugin not found").
  auto bound = [&](const SlotPlan& slot) -> const BoundPlugin* {
    if (slot.binding) return &*slot.binding;
    spdlog::warn("route {} plugins[{}] ({}): {}", route.id, slot.index, plugins::wasm_plugin_class(slot.kind),
                 slot.binding.error().message);
    return nullptr;
  };

  // ---- MatchRoute: every applying matcher must say true; a call error counts as false (Otoroshi).
  for (const SlotPlan& slot : plan.matchers) {
    if (!slot.applies_to(path)) continue;
    const BoundPlugin* plugin = bound(slot);
    bool matched = false;
    if (plugin) {
      scope.config = &slot.slot->config;
      auto out = co_await call_plugin(*plugin, plugin->function,
                                      boost::json::serialize(plugins::route_matcher_context(facts, scope)));
      if (!out) spdlog::warn("route {}: plugin {} {} failed: {}", route.id, plugin->plugin_id, plugin->function,
                             out.error().message);
      else if (auto json = plugins::parse_output(*out)) {
        plugins::apply_attrs_update(*json, state.attrs);
        matched = plugins::route_matches(*json);
      }
    }
    if (!matched) {
      keep = co_await answer_error(404, kMsgNoRoute);
      co_return Gate::Answered;
    }
  }

  // ---- PreRoute: error:true answers in the plugin's name.
  for (const SlotPlan& slot : plan.pre_routes) {
    if (!slot.applies_to(path)) continue;
    const BoundPlugin* plugin = bound(slot);
    if (!plugin) {
      keep = co_await answer_error(500, slot.binding.error().message);
      co_return Gate::Answered;
    }
    scope.config = &slot.slot->config;
    auto out = co_await call_plugin(*plugin, plugin->function,
                                    boost::json::serialize(plugins::pre_route_context(facts, scope)));
    if (!out) {
      keep = co_await answer(json_response(500, plugins::call_error_json(out.error().message)));
      co_return Gate::Answered;
    }
    auto json = plugins::parse_output(*out);
    if (!json) {
      keep = co_await answer(json_response(500, plugins::call_error_json(json.error().message)));
      co_return Gate::Answered;
    }
    plugins::apply_attrs_update(*json, state.attrs);
    if (auto response = plugins::pre_route_decision(*json)) {
      keep = co_await answer(std::move(*response));
      co_return Gate::Answered;
    }
  }

  // ---- ValidateAccess: result:true lets the request through; otherwise Otoroshi's error answer.
  for (const SlotPlan& slot : plan.access) {
    if (!slot.applies_to(path)) continue;
    const BoundPlugin* plugin = bound(slot);
    if (!plugin) {
      keep = co_await answer_error(500, slot.binding.error().message);
      co_return Gate::Answered;
    }
    if (slot.kind == WasmPluginKind::Opa || plugin->config.opa) {
      keep = co_await answer_error(500, "plugin " + plugin->plugin_id +
                                            ": OPA policies (WasmOPA, opa: true) are not supported by wasmgate yet");
      co_return Gate::Answered;
    }
    scope.config = &slot.slot->config;
    auto out = co_await call_plugin(*plugin, plugin->function,
                                    boost::json::serialize(plugins::access_context(facts, scope)));
    Result<boost::json::object> json = out ? plugins::parse_output(*out) : Result<boost::json::object>(out.error());
    if (!json) {  // Otoroshi: a failed call denies with 400 and the error's message
      spdlog::debug("route {}: plugin {} {} failed: {}", route.id, plugin->plugin_id, plugin->function,
                    json.error().message);
      keep = co_await answer_error(400, json.error().message);
      co_return Gate::Answered;
    }
    plugins::apply_attrs_update(*json, state.attrs);
    const plugins::AccessDecision decision = plugins::access_decision(*json);
    if (!decision.allowed) {
      keep = co_await answer_error(decision.status, decision.message);
      co_return Gate::Answered;
    }
  }
  co_return Gate::Go;
}

}  // namespace wasmgate::proxy::detail
