#include "plugins/global_steps.h"

namespace wasmgate::plugins {

namespace json = boost::json;

boost::json::object router_context(const RequestFacts& request, const boost::json::object& config,
                                   const boost::json::object& attrs) {
  return json::object{{"request", raw_request_json(request)}, {"config", config}, {"attrs", attrs}};
}

std::optional<RouterDecision> router_decision(const boost::json::object& output) {
  const auto* route = output.if_contains("route");
  if (!route || !route->is_object()) return std::nullopt;
  RouterDecision d;
  d.route = route->as_object();
  if (const auto* path = output.if_contains("path"); path && path->is_string()) d.path = path->as_string();
  if (const auto* params = output.if_contains("path_params"); params && params->is_object()) {
    for (const auto& [k, v] : params->as_object()) {
      if (v.is_string()) d.path_params.emplace_back(k, v.as_string());
    }
  }
  return d;
}

boost::json::object sink_context(const RequestFacts& request, const boost::json::object& config,
                                 const boost::json::object& attrs, std::string_view origin, int status,
                                 std::string_view message, const std::string* body) {
  json::object ctx{{"snowflake", request.snowflake}, {"request", raw_request_json(request)}, {"config", config},
                   {"attrs", attrs},                 {"origin", origin},                   {"status", status},
                   {"message", message}};
  if (body) ctx["body_bytes"] = signed_bytes_json(*body);
  return ctx;
}

PluginResponse sink_response(const boost::json::object& output) {
  // The same reading as PreRoute's short-circuit answer (status default 200, JSON content type by default,
  // BodyHelper): Otoroshi's two code paths are identical but for the `error` gate.
  json::object as_pre_route = output;
  as_pre_route["error"] = true;
  return *pre_route_decision(as_pre_route);
}

boost::json::object request_handler_context(const RequestFacts& request, const std::optional<std::string>& body) {
  json::object raw = raw_request_json(request);
  if (body) raw["request_body_bytes"] = signed_bytes_json(*body);
  return json::object{{"request", std::move(raw)}};
}

PluginResponse request_handler_response(const boost::json::object& output) {
  // Only `body` counts here, so hide the other body keys from the shared reader.
  json::object only_body;
  for (const auto& [k, v] : output) {
    if (k == "body_str" || k == "body_json" || k == "body_base64" || k == "body_bytes") continue;
    only_body.emplace(k, v);
  }
  only_body["error"] = true;
  PluginResponse response = *pre_route_decision(only_body);
  if (const auto* cookies = output.if_contains("cookies"); cookies && cookies->is_array()) {
    json::object as_transform{{"cookies", *cookies}};
    if (auto t = response_transform(as_transform); t.set_cookies) {
      for (auto& c : *t.set_cookies) response.headers.push_back(std::move(c));
    }
  }
  return response;
}

}  // namespace wasmgate::plugins
