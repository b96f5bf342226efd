// GlobalPlan: the global wasm plugins of the global config, resolved once per state snapshot (spec
// otoroshi-wasm.md §3.2): WasmRouter and WasmSink slots of plugins.config.ng, and the domains handled by
// WasmRequestHandler (legacy global plugins). Jobs are run by the JobRunner, not per request.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "model/global_config.h"
#include "plugins/plugin_binding.h"
#include "plugins/route_plan.h"

namespace wasmgate::plugins {

struct GlobalPlan {
  std::shared_ptr<const model::GlobalConfig> config;  // owns the slots the SlotPlans point to
  std::vector<SlotPlan> routers;                      // WasmRouter, before route matching
  std::vector<SlotPlan> sinks;                        // WasmSink, for requests no route matched
  // WasmRequestHandler by handled domain (lower-case host, no port).
  std::map<std::string, Result<BoundPlugin>, std::less<>> request_handlers;

  bool empty() const { return routers.empty() && sinks.empty() && request_handlers.empty(); }
  // The handler of `host` (lower-case, no port), or null.
  const Result<BoundPlugin>* handler_for(std::string_view host) const;
};

using GlobalPlanPtr = std::shared_ptr<const GlobalPlan>;

// Null when the global config has no global wasm plugin.
//
// WasmRequestHandler is active when `plugins.enabled` is true and `plugins.refs` holds
// "cp:otoroshi.next.plugins.WasmRequestHandler"; its domains are the keys directly under
// `plugins.config.WasmRequestHandler`, each a WasmConfig. [quirk] Otoroshi's defaultConfig nests them under
// `WasmRequestHandler.domains`, but its handler reads the keys directly under `WasmRequestHandler`; both shapes
// are read here (the direct keys win), so configs written either way work.
GlobalPlanPtr build_global_plan(std::shared_ptr<const model::GlobalConfig> config, const PluginLookup& lookup);

}  // namespace wasmgate::plugins
