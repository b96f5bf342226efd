// The immutable in-memory view the hot path reads. Built off the hot path (StateHolder::reload) and shared by
// `std::shared_ptr<const Snapshot>`; nothing in it changes after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/global_config.h"
#include "model/route.h"
#include "model/wasm_plugin.h"
#include "plugins/global_plan.h"
#include "plugins/route_plan.h"
#include "proxy/route_index.h"

namespace wasmgate::proxy {

struct Snapshot {
  std::uint64_t version = 0;  // grows with every publish (StateHolder::version())
  RouteIndex routes;
  // Every route, disabled ones included, ordered by id (what plugins read through proxy_state; the index
  // holds only the enabled ones).
  std::vector<model::RoutePtr> all_routes;
  std::unordered_map<std::string, model::WasmPluginPtr> wasm_plugins;  // by id
  std::shared_ptr<const model::GlobalConfig> global_config;             // never null in a published snapshot
  // The wasm plugin plan of each indexed route, by RouteMatch::slot; null for a route without wasm slots.
  std::vector<plugins::RoutePlanPtr> plans;
  // Global wasm plugins (WasmRouter, WasmSink, WasmRequestHandler); null when there is none.
  plugins::GlobalPlanPtr global_plan;

  // The plugin with that id, or null.
  const model::WasmPlugin* find_wasm_plugin(const std::string& id) const;
  // The plan of the route in `slot`, or null.
  const plugins::RoutePlan* plan(std::size_t slot) const { return slot < plans.size() ? plans[slot].get() : nullptr; }
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// Builds a snapshot from already-parsed entities (routes that are disabled are indexed out by RouteIndex).
SnapshotPtr make_snapshot(std::uint64_t version, std::vector<model::RoutePtr> routes,
                          std::vector<model::WasmPluginPtr> wasm_plugins,
                          std::shared_ptr<const model::GlobalConfig> global_config);

}  // namespace wasmgate::proxy
