// Per-request state of the wasm plugin steps (plugin_flow.cpp), kept out of ProxyCall so requests on routes
// without plugins do not carry it.
#pragma once

#include <boost/json/object.hpp>
#include <memory>

#include "model/global_config.h"
#include "model/route.h"
#include "plugins/plugin_runtime.h"
#include "plugins/route_plan.h"
#include "plugins/step_context.h"

namespace wasmgate::proxy::detail {

struct PluginRequest {
  plugins::PluginRuntime* runtime = nullptr;
  std::shared_ptr<const model::GlobalConfig> global_config;  // `global_config` of contexts (plugins.config)
  plugins::RequestFacts facts;                               // the client's request, as received
  boost::json::object attrs;                                 // the request's attrs (plugins read and update them)
  // A route a WasmRouter returned (not in the snapshot's index), and its plan.
  model::RoutePtr dynamic_route;
  plugins::RoutePlanPtr dynamic_plan;
};

}  // namespace wasmgate::proxy::detail
