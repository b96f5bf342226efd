// RoutePlan: a route's wasm plugin slots, resolved and sorted by step once per state snapshot (off the hot
// path), so a request only walks the slots that apply to it.
#pragma once

#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "model/route.h"
#include "plugins/plugin_binding.h"
#include "plugins/plugin_kind.h"

namespace wasmgate::plugins {

struct SlotPlan {
  WasmPluginKind kind;
  std::size_t index = 0;                 // position in route.plugins (names the slot in logs)
  const model::PluginSlot* slot = nullptr;  // owned by the plan's route
  // The slot resolved against the entities; an error (plugin not found, bad config, bad pattern) is answered
  // with a 500 when a request reaches this slot.
  Result<BoundPlugin> binding = make_error(Errc::Internal, "unbound");
  // include / exclude as full-match RE2 patterns (linear time: no catastrophic backtracking).
  std::vector<std::unique_ptr<re2::RE2>> include;
  std::vector<std::unique_ptr<re2::RE2>> exclude;
  // `slot->config` as JSON text, rendered once: contexts embed it as is (step_context_text.h).
  std::string config_json;

  // Otoroshi's rule: applies when `include` is empty or one matches, and no `exclude` matches.
  bool applies_to(std::string_view path) const;
};

// One slot, resolved: patterns compiled, config parsed, bound with `lookup`. `owner` is the route id (or
// "global-config"): an inline plugin is named "<owner>/plugins[<index>]". An error is kept as the slot's binding
// (and logged).
SlotPlan make_slot_plan(const model::PluginSlot& slot, std::size_t index, WasmPluginKind kind,
                        const PluginLookup& lookup, std::string_view owner);

struct RoutePlan {
  model::RoutePtr route;
  // Rendered once for the contexts (step_context_text.h): `route->json`, and the snapshot's global
  // plugins.config (shared by every plan of the snapshot; null when the builder was not given it).
  std::string route_json;
  std::shared_ptr<const std::string> global_config_json;
  std::vector<SlotPlan> matchers;               // MatchRoute
  std::vector<SlotPlan> pre_routes;             // PreRoute
  std::vector<SlotPlan> access;                 // ValidateAccess
  std::vector<SlotPlan> request_transformers;   // TransformRequest
  std::vector<SlotPlan> backends;               // CallBackend (the first that applies answers)
  std::vector<SlotPlan> response_transformers;  // TransformResponse
  std::vector<SlotPlan> websocket;              // HandlesTunnel message transformers
  // NgHttpWasm slots (http-wasm guests): handle_request after the request transformers, handle_response (in
  // reverse order, as middleware unwinds) before the response transformers.
  std::vector<SlotPlan> http_wasm;

  // No wasm slot at all: the proxy's streaming path runs untouched.
  bool empty() const;
  // The request body must be read whole before going on (a transformer or backend plugin needs it).
  bool buffers_request() const {
    return !request_transformers.empty() || !backends.empty() || !http_wasm.empty();
  }
  // The response must be read whole (a response transformer needs it).
  bool buffers_response() const { return !response_transformers.empty() || !http_wasm.empty(); }
};

using RoutePlanPtr = std::shared_ptr<const RoutePlan>;

// Builds the plan of `route`: enabled slots whose plugin is a Wasm* class, in route order (a slot's
// plugin_index for its step, when set, orders it as in Otoroshi), each bound with `lookup`. Never fails: a slot
// that cannot be bound keeps its error. Returns null when the route has no wasm slot. `global_config_json` is
// the snapshot's plugins.config as JSON text (kept in the plan for the contexts).
RoutePlanPtr build_route_plan(const model::RoutePtr& route, const PluginLookup& lookup,
                              std::shared_ptr<const std::string> global_config_json = nullptr);

}  // namespace wasmgate::plugins
