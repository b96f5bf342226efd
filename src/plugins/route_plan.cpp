#include "plugins/route_plan.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "model/wasm_config.h"

namespace wasmgate::plugins {

namespace {

// Otoroshi's plugin_index keys, per step.
std::string_view step_index_key(WasmPluginKind kind) {
  switch (kind) {
    case WasmPluginKind::RouteMatcher: return "match_route";
    case WasmPluginKind::PreRoute: return "pre_route";
    case WasmPluginKind::AccessValidator:
    case WasmPluginKind::Opa: return "validate_access";
    case WasmPluginKind::RequestTransformer:
    case WasmPluginKind::HttpWasm: return "transform_request";
    case WasmPluginKind::ResponseTransformer:
    case WasmPluginKind::WebsocketTransformer: return "transform_response";
    case WasmPluginKind::Backend: return "call_backend";
    default: return "";
  }
}

Result<void> compile_patterns(const std::vector<std::string>& patterns, std::string_view field,
                              std::vector<std::unique_ptr<re2::RE2>>& out) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    auto re = std::make_unique<re2::RE2>(patterns[i], options);
    if (!re->ok()) {
      return make_error(Errc::BadRequest, fmt::format("{}[{}]: invalid pattern \"{}\": {}", field, i, patterns[i],
                                                      re->error()));
    }
    out.push_back(std::move(re));
  }
  return {};
}

std::vector<SlotPlan>* bucket_for(RoutePlan& plan, WasmPluginKind kind) {
  switch (kind) {
    case WasmPluginKind::RouteMatcher: return &plan.matchers;
    case WasmPluginKind::PreRoute: return &plan.pre_routes;
    case WasmPluginKind::AccessValidator: return &plan.access;
    case WasmPluginKind::Opa: return &plan.access;
    case WasmPluginKind::RequestTransformer: return &plan.request_transformers;
    case WasmPluginKind::ResponseTransformer: return &plan.response_transformers;
    case WasmPluginKind::Backend: return &plan.backends;
    case WasmPluginKind::WebsocketTransformer: return &plan.websocket;
    case WasmPluginKind::HttpWasm: return &plan.http_wasm;
    default: return nullptr;  // Router, Sink, RequestHandler, Job: global slots, not route slots
  }
}

// A slot's plugin_index for its step, when set (a JSON number, possibly fractional: Otoroshi reads a Double).
std::optional<double> index_of(const SlotPlan& s) {
  if (!s.slot->plugin_index) return std::nullopt;
  const auto* v = s.slot->plugin_index->if_contains(step_index_key(s.kind));
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  return std::nullopt;
}

// Otoroshi's NgContextualPlugins order: slots with a plugin_index for the step first, by index; then the
// others in route order (stable sort keeps route order among equals).
bool runs_before(const SlotPlan& a, const SlotPlan& b) {
  const auto ia = index_of(a), ib = index_of(b);
  if (ia && ib) return *ia < *ib;
  return ia.has_value() && !ib.has_value();
}

}  // namespace

SlotPlan make_slot_plan(const model::PluginSlot& slot, std::size_t index, WasmPluginKind kind,
                        const PluginLookup& lookup, std::string_view owner) {
  SlotPlan s;
  s.kind = kind;
  s.index = index;
  s.slot = &slot;
  s.config_json = boost::json::serialize(slot.config);
  const std::string where = fmt::format("{} plugins[{}]", owner, index);  // e.g. "route_1 plugins[2]"
  auto patterns = compile_patterns(slot.include, "include", s.include);
  if (patterns) patterns = compile_patterns(slot.exclude, "exclude", s.exclude);
  if (!patterns) {
    s.binding = make_error(Errc::BadRequest, fmt::format("{}: {}", where, patterns.error().message));
  } else if (auto config = model::parse_wasm_config_at(slot.config, "config"); !config) {
    s.binding = make_error(Errc::BadRequest, fmt::format("{}: {}", where, config.error().message));
  } else {
    s.binding = bind_plugin(*config, kind, lookup, fmt::format("{}/plugins[{}]", owner, index));
  }
  if (!s.binding) spdlog::warn("{} ({}): {}", where, wasm_plugin_class(kind), s.binding.error().message);
  return s;
}

bool SlotPlan::applies_to(std::string_view path) const {
  if (!include.empty()) {
    const bool included = std::any_of(include.begin(), include.end(),
                                      [&](const auto& re) { return re2::RE2::FullMatch(path, *re); });
    if (!included) return false;
  }
  return std::none_of(exclude.begin(), exclude.end(),
                      [&](const auto& re) { return re2::RE2::FullMatch(path, *re); });
}

bool RoutePlan::empty() const {
  return matchers.empty() && pre_routes.empty() && access.empty() && request_transformers.empty() &&
         backends.empty() && response_transformers.empty() && websocket.empty() && http_wasm.empty();
}

RoutePlanPtr build_route_plan(const model::RoutePtr& route, const PluginLookup& lookup,
                              std::shared_ptr<const std::string> global_config_json) {
  auto plan = std::make_shared<RoutePlan>();
  plan->route = route;
  for (std::size_t i = 0; i < route->plugins.size(); ++i) {
    const model::PluginSlot& slot = route->plugins[i];
    if (!slot.enabled) continue;
    const auto kind = wasm_plugin_kind(slot.plugin);
    if (!kind) continue;
    std::vector<SlotPlan>* bucket = bucket_for(*plan, *kind);
    if (bucket == nullptr) continue;
    bucket->push_back(make_slot_plan(slot, i, *kind, lookup, route->id));
  }
  for (auto* bucket : {&plan->matchers, &plan->pre_routes, &plan->access, &plan->request_transformers,
                       &plan->backends, &plan->response_transformers, &plan->websocket,
                       &plan->http_wasm}) {
    std::stable_sort(bucket->begin(), bucket->end(),
                     runs_before);
  }
  if (plan->empty()) return nullptr;
  plan->route_json = boost::json::serialize(route->json);
  plan->global_config_json = std::move(global_config_json);
  return plan;
}

}  // namespace wasmgate::plugins
