// Per-request state of the wasm plugin steps (plugin_flow.cpp), kept out of ProxyCall so requests on routes
// without plugins do not carry it.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/http_message.h"
#include "model/global_config.h"
#include "model/route.h"
#include "plugins/plugin_runtime.h"
#include "plugins/route_plan.h"
#include "plugins/step_context.h"
#include "plugins/step_context_text.h"

namespace wasmgate::proxy::detail {

// How a request step ends the request: with `response` as is, or else Otoroshi's error answer for `status`
// and `message`.
struct StepStop {
  std::optional<HttpResponse> response;
  int status = 500;
  std::string message;
};

struct PluginRequest {
  plugins::PluginRuntime* runtime = nullptr;
  std::shared_ptr<const model::GlobalConfig> global_config;  // `global_config` of contexts (plugins.config)
  plugins::RequestFacts facts;                               // the client's request, as received
  boost::json::object attrs;                                 // the request's attrs (plugins read and update them)
  // A route a WasmRouter returned (not in the snapshot's index), and its plan.
  model::RoutePtr dynamic_route;
  plugins::RoutePlanPtr dynamic_plan;

  // The contexts' text (plugins/step_context_text.h). The RawRequest is rendered at the first step that needs
  // it and serves every plugin of the request (the facts do not change); attrs are rendered again per call.
  std::string snowflake_json;
  std::string request_json;
  std::string attrs_json;
  // Rendered here only when a plan lacks them (a plan built without the snapshot's plugins.config).
  std::string route_json;
  std::string global_config_json;

  // The request steps (MatchRoute, PreRoute, ValidateAccess) in progress, kept here rather than in the
  // coroutine's frame (plugin_flow.cpp): the shared context text, the request path, the next call's input,
  // and the answer that ends the request, once a step decided one.
  plugins::StepText text;
  std::string_view path;
  std::string input;
  std::optional<StepStop> stop;

  // What every context of `plan`'s slots shares, `route` being the plan's route; the slot's config and the
  // attrs are set per call (with_call). The views point into this object and `plan`.
  plugins::StepText step_text(const plugins::RoutePlan& plan, const model::Route& route);
  // `text` with `slot`'s config and the attrs as they are now.
  plugins::StepText with_call(plugins::StepText text, const plugins::SlotPlan& slot);
};

}  // namespace wasmgate::proxy::detail
