// Contexts and decisions of the global steps (spec otoroshi-wasm.md §3.2): WasmRouter, WasmSink and
// WasmRequestHandler.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_message.h"
#include "plugins/step_context.h"
#include "plugins/step_output.h"

namespace wasmgate::plugins {

// ---- Router: input {request, config, attrs}.
boost::json::object router_context(const RequestFacts& request, const boost::json::object& config,
                                   const boost::json::object& attrs);
// Output {route, path, path_params, no_more_segments}: the route document (validated by the caller with
// model::parse_route) and the matched path. nullopt when `route` is absent or not an object (no route).
struct RouterDecision {
  boost::json::object route;
  std::string path;  // the part of the request path the route matched (stripped when strip_path); "" = none
  std::vector<std::pair<std::string, std::string>> path_params;
};
std::optional<RouterDecision> router_decision(const boost::json::object& output);

// ---- Sink: input {snowflake, request, config, attrs, origin, status, message}; the handle call adds
// body_bytes (the request body, [] when empty).
boost::json::object sink_context(const RequestFacts& request, const boost::json::object& config,
                                 const boost::json::object& attrs, std::string_view origin, int status,
                                 std::string_view message, const std::string* body);
// sink_handle's answer: status (default 200), headers (default {"Content-Type":"application/json"}), the
// content type from Content-Type (any case; default application/json), body via extract_body.
PluginResponse sink_response(const boost::json::object& output);

// ---- RequestHandler: input {"request": RawRequest + "request_body_bytes" when the request has a body}.
boost::json::object request_handler_context(const RequestFacts& request, const std::optional<std::string>& body);
// status (default 200), headers (cookies as Set-Cookie), and only `body` (a string) as the body (§3.2: no
// body_json/base64/bytes here).
PluginResponse request_handler_response(const boost::json::object& output);

}  // namespace wasmgate::plugins
