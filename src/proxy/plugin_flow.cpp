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
#include <charconv>
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
#include "wasm/opa_policy.h"

namespace wasmgate::proxy::detail {

namespace {

using plugins::BoundPlugin;
using plugins::SlotPlan;
using plugins::WasmPluginKind;

std::atomic<std::uint64_t> g_request_ids{1};

// Room for the attrs' JSON (usually the snowflake and a few headers to add), so it is rarely reallocated.
constexpr std::size_t kAttrsBytes = 256;
// Headers of a typical request: the facts' list then grows at most rarely.
constexpr std::size_t kHeadersReserved = 16;

// Otoroshi's snowflakes are numeric strings; ours: milliseconds since the epoch, then a process-wide counter
// (unique per process, roughly time-ordered).
std::string make_snowflake(std::uint64_t id) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  char digits[32];
  char* end = std::to_chars(digits, digits + 20, ms).ptr;
  auto counter = static_cast<unsigned>(id % 100000);  // five digits, zero-padded
  for (int i = 4; i >= 0; --i, counter /= 10) end[i] = static_cast<char>('0' + counter % 10);
  return std::string(digits, end + 5);
}

}  // namespace

plugins::StepText PluginRequest::step_text(const plugins::RoutePlan& plan, const model::Route& route) {
  if (request_json.empty()) {
    request_json = plugins::raw_request_text(facts);
    snowflake_json.reserve(facts.snowflake.size() + 2);
    plugins::append_json_string(snowflake_json, facts.snowflake);
    attrs_json.reserve(kAttrsBytes);
  }
  plugins::StepText text;
  text.snowflake = snowflake_json;
  text.request = request_json;
  if (plan.route.get() == &route && !plan.route_json.empty()) {
    text.route = plan.route_json;
  } else {
    route_json = boost::json::serialize(route.json);
    text.route = route_json;
  }
  if (plan.global_config_json) {
    text.global_config = *plan.global_config_json;
  } else {
    if (global_config_json.empty()) global_config_json = boost::json::serialize(global_config->plugins_config);
    text.global_config = global_config_json;
  }
  return text;
}

plugins::StepText PluginRequest::with_call(plugins::StepText text, const plugins::SlotPlan& slot) {
  text.config = slot.config_json;
  attrs_json.clear();  // the buffer is reused from call to call
  plugins::append_json(attrs_json, attrs);
  text.attrs = attrs_json;
  return text;
}

asio::awaitable<Result<std::string>> ProxyCall::call_plugin(const BoundPlugin& plugin, std::string_view function,
                                                            std::string input) {
  plugins::PluginRuntime* runtime = plugin_->runtime;
  // Inline on this I/O thread when a VM is free and the guest's calls cannot wait on I/O (DESIGN §4,
  // plugins::calls_may_block); otherwise on the blocking pool, this coroutine resuming here when done.
  // The guest's env.proxy_*_attr* calls read and change the request's attrs during the call.
  if (auto done = runtime->try_call(plugin, function, input, &plugin_->attrs)) co_return std::move(*done);
  // On the blocking pool the call works on a copy, stored back once this coroutine resumes on its own thread:
  // a WebSocket tunnel's other direction may read plugin_->attrs meanwhile.
  boost::json::object attrs = plugin_->attrs;
  auto result = co_await asio::co_spawn(
      runtime->blocking_executor(),
      [&]() -> asio::awaitable<std::optional<Result<std::string>>> {
        co_return runtime->call(plugin, function, input, &attrs);
      },
      asio::use_awaitable);
  plugin_->attrs = std::move(attrs);
  co_return std::move(*result);
}

asio::awaitable<Result<std::string>> ProxyCall::call_opa(const BoundPlugin& plugin, std::string_view,
                                                         std::string input) {
  plugins::PluginRuntime* runtime = plugin_->runtime;
  std::string result_set;
  const plugins::PluginRuntime::VmTask evaluate = [&](wasm::Vm& vm) -> Result<void> {
    auto result = wasm::evaluate_opa(vm, input);
    if (!result) return result.take_error();
    result_set = std::move(*result);
    return {};
  };
  std::optional<Result<void>> done = runtime->try_run(plugin, evaluate);
  if (!done) {
    done = co_await asio::co_spawn(
        runtime->blocking_executor(),
        [&]() -> asio::awaitable<std::optional<Result<void>>> { co_return runtime->run(plugin, evaluate); },
        asio::use_awaitable);
  }
  if (!*done) co_return done->take_error();
  co_return result_set;
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
  facts.headers.reserve(kHeadersReserved);
  for (const auto& f : req) facts.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  facts.remote = std::string(client_.remote_ip);
  facts.has_body = !parser_.is_done();
  state.attrs["otoroshi.core.SnowFlake"] = facts.snowflake;
  return state.runtime != nullptr;
}

// ---- the request steps: MatchRoute (every applying matcher must say true; a call error counts as false, as
// in Otoroshi), PreRoute (error:true answers in the plugin's name), ValidateAccess (result:true lets the request
// through; otherwise Otoroshi's error answer). The work around each call is done by the two functions below, out
// of the coroutine, so its frame holds little more than the call and fits asio's recycled frames (≤ 1020 bytes)
// instead of costing a malloc and free per request.

namespace {

// A slot that could not be bound (missing entity, bad config) fails the request, logged with the route and the
// plugin (spec §2.2 "plugin not found"); a matcher's counts as "no match".
const BoundPlugin* bound_plugin(const SlotPlan& slot, const model::Route& route) {
  if (slot.binding) return &*slot.binding;
  spdlog::warn("route {} plugins[{}] ({}): {}", route.id, slot.index, plugins::wasm_plugin_class(slot.kind),
               slot.binding.error().message);
  return nullptr;
}

// Whether a ValidateAccess slot evaluates an OPA policy rather than calling an Extism export: WasmOPA, or an
// access validator whose config has opa: true (its VM speaks only the OPA ABI).
bool evaluates_opa(const SlotPlan& slot, const BoundPlugin& plugin) {
  const bool access = slot.kind == WasmPluginKind::Opa || slot.kind == WasmPluginKind::AccessValidator;
  return access && plugin.config.opa;
}

// Before a call: the plugin to call, with its context in state.input; null when the slot does not apply or
// the request ends here (state.stop set).
const BoundPlugin* prepare_request_step(PluginRequest& state, const SlotPlan& slot, const model::Route& route) {
  if (!slot.applies_to(state.path)) return nullptr;
  const BoundPlugin* plugin = bound_plugin(slot, route);
  if (plugin == nullptr) {
    state.stop = slot.kind == WasmPluginKind::RouteMatcher
                     ? StepStop{std::nullopt, 404, std::string(kMsgNoRoute)}
                     : StepStop{std::nullopt, 500, slot.binding.error().message};
    return nullptr;
  }
  switch (slot.kind) {
    case WasmPluginKind::RouteMatcher:
      state.input = plugins::route_matcher_context_text(state.with_call(state.text, slot));
      break;
    case WasmPluginKind::PreRoute:
      state.input = plugins::pre_route_context_text(state.with_call(state.text, slot));
      break;
    default:  // AccessValidator, Opa
      if (slot.kind == WasmPluginKind::Opa && !plugin->config.opa) {
        // The VM links the OPA imports only for opa: true configs (Otoroshi's WasmOPA default config has it).
        state.stop = StepStop{std::nullopt, 500,
                              "plugin " + plugin->plugin_id + ": WasmOPA needs a WasmConfig with opa: true"};
        return nullptr;
      }
      // An OPA policy gets the same access context as input (spec §6).
      state.input = plugins::access_context_text(state.with_call(state.text, slot));
  }
  return plugin;
}

// After a call: the attrs updated, and state.stop set when the plugin's answer (or its failure) ends the
// request.
void finish_request_step(PluginRequest& state, const SlotPlan& slot, const BoundPlugin& plugin,
                         Result<std::string> out, const model::Route& route) {
  switch (slot.kind) {
    case WasmPluginKind::RouteMatcher: {
      bool matched = false;
      if (out && plugins::is_bare_true_result(*out)) return;  // matched, no attrs to apply
      if (!out) {
        spdlog::warn("route {}: plugin {} {} failed: {}", route.id, plugin.plugin_id, plugin.function,
                     out.error().message);
      } else if (auto json = plugins::parse_output(*out)) {
        plugins::apply_attrs_update(*json, state.attrs);
        matched = plugins::route_matches(*json);
      }
      if (!matched) state.stop = StepStop{std::nullopt, 404, std::string(kMsgNoRoute)};
      return;
    }
    case WasmPluginKind::PreRoute: {
      if (!out) {
        state.stop = StepStop{HttpResponse::json(500, plugins::call_error_json(out.error().message))};
        return;
      }
      auto json = plugins::parse_output(*out);
      if (!json) {
        state.stop = StepStop{HttpResponse::json(500, plugins::call_error_json(json.error().message))};
        return;
      }
      plugins::apply_attrs_update(*json, state.attrs);
      if (auto response = plugins::pre_route_decision(*json)) state.stop = StepStop{std::move(*response)};
      return;
    }
    default: {  // AccessValidator: Otoroshi denies a failed call with 400 and the error's message
      if (evaluates_opa(slot, plugin)) {
        // WasmOPA (spec §6): allowed iff result[0].result is true, else 403 "Forbidden access"; errors: 400.
        Result<bool> allowed = out ? wasm::opa_result_allows(*out) : Result<bool>(out.error());
        if (!allowed) {
          spdlog::debug("route {}: OPA policy {} failed: {}", route.id, plugin.plugin_id,
                        allowed.error().message);
          state.stop = StepStop{std::nullopt, 400, allowed.error().message};
        } else if (!*allowed) {
          state.stop = StepStop{std::nullopt, 403, "Forbidden access"};
        }
        return;
      }
      if (out && plugins::is_bare_true_result(*out)) return;  // allowed, no attrs to apply
      Result<boost::json::object> json =
          out ? plugins::parse_output(*out) : Result<boost::json::object>(out.error());
      if (!json) {
        spdlog::debug("route {}: plugin {} {} failed: {}", route.id, plugin.plugin_id, plugin.function,
                      json.error().message);
        state.stop = StepStop{std::nullopt, 400, json.error().message};
        return;
      }
      plugins::apply_attrs_update(*json, state.attrs);
      const plugins::AccessDecision decision = plugins::access_decision(*json);
      if (!decision.allowed) state.stop = StepStop{std::nullopt, decision.status, decision.message};
    }
  }
}

}  // namespace

asio::awaitable<ProxyCall::Gate> ProxyCall::run_request_plugins(const plugins::RoutePlan& plan,
                                                                const RouteMatch& match, std::string_view host,
                                                                bool& keep) {
  (void)host;
  if (!begin_plugins()) {
    keep = co_await answer_error(500, kMsgNoPluginRuntime);
    co_return Gate::Answered;
  }
  PluginRequest& state = *plugin_;
  state.text = state.step_text(plan, *match.route);
  state.path = std::string_view(state.facts.uri).substr(0, state.facts.uri.find('?'));
  state.stop.reset();
  for (const std::vector<SlotPlan>* step : {&plan.matchers, &plan.pre_routes, &plan.access}) {
    for (const SlotPlan& slot : *step) {
      if (const BoundPlugin* plugin = prepare_request_step(state, slot, *match.route)) {
        // One co_await on a member pointer rather than a conditional between two awaitables: GCC 12 destroys
        // the temporaries of `co_await (c ? f() : g())` twice.
        const auto step = evaluates_opa(slot, *plugin) ? &ProxyCall::call_opa : &ProxyCall::call_plugin;
        auto out = co_await (this->*step)(*plugin, plugin->function, std::move(state.input));
        finish_request_step(state, slot, *plugin, std::move(out), *match.route);
      }
      if (state.stop) break;
    }
    if (state.stop) break;
  }
  if (!state.stop) co_return Gate::Go;
  if (state.stop->response) {
    keep = co_await answer(std::move(*state.stop->response));
  } else {
    keep = co_await answer_error(state.stop->status, state.stop->message);
  }
  co_return Gate::Answered;
}

}  // namespace wasmgate::proxy::detail
