#include "plugins/websocket_steps.h"

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstdint>
#include <optional>

namespace wasmgate::plugins {

namespace json = boost::json;

std::string websocket_function(const model::WasmConfig& slot_config, WebsocketDirection direction) {
  if (!slot_config.function_name.empty()) return slot_config.function_name;
  return direction == WebsocketDirection::ClientToBackend ? "on_request_message" : "on_response_message";
}

boost::json::object legacy_target_json(const model::Target& target) {
  json::array certs;
  for (const std::string& id : target.tls_config.certs) certs.emplace_back(json::string(id));
  json::array trusted;
  for (const std::string& id : target.tls_config.trusted_certs) trusted.emplace_back(json::string(id));
  json::object out;
  out.reserve(7);
  out.emplace("host", fmt::format("{}:{}", target.hostname, target.port));
  out.emplace("scheme", target.tls ? "https" : "http");
  out.emplace("weight", target.weight);
  // NgTlsConfig.legacy: `enabled` becomes `mtls`.
  out.emplace("mtlsConfig", json::object{{"certs", std::move(certs)},
                                         {"trustedCerts", std::move(trusted)},
                                         {"mtls", target.tls_config.enabled},
                                         {"loose", target.tls_config.loose},
                                         {"trustAll", target.tls_config.trust_all}});
  out.emplace("protocol", target.protocol);
  out.emplace("predicate",
              target.predicate.empty() ? json::object{{"type", "AlwaysMatch"}} : target.predicate);
  out.emplace("ipAddress", target.ip_address && !target.ip_address->empty()
                               ? json::value(json::string(*target.ip_address))
                               : json::value(nullptr));
  return out;
}

boost::json::object websocket_message_json(const WebsocketMessage& message) {
  json::object out;
  out.reserve(2);
  if (message.binary) {
    out.emplace("kind", "binary");
    out.emplace("payload", signed_bytes_json(message.payload));
  } else {
    // Text messages are valid UTF-8 (the tunnel's WebSocket reader rejects others), so they go in as they
    // are.
    out.emplace("kind", "text");
    out.emplace("payload", json::string(message.payload));
  }
  return out;
}

WebsocketContext::WebsocketContext(const RequestFacts& request, const OutgoingRequest& otoroshi_request,
                                   const model::Target& target, const model::Route* route)
    : snowflake_(json::serialize(json::string(request.snowflake))),
      request_(json::serialize(raw_request_json(request))),
      otoroshi_request_(json::serialize(otoroshi_request_json(otoroshi_request))),
      target_(json::serialize(legacy_target_json(target))),
      route_(route != nullptr ? json::serialize(route->json) : std::string("null")) {}

std::string WebsocketContext::render(std::size_t idx, const boost::json::object& config,
                                     const boost::json::object& attrs,
                                     const WebsocketMessage& message) const {
  const std::string config_json = json::serialize(config);
  const std::string attrs_json = json::serialize(attrs);
  const std::string message_json = json::serialize(websocket_message_json(message));
  std::string out;
  out.reserve(160 + snowflake_.size() + request_.size() + otoroshi_request_.size() + config_json.size() +
              target_.size() + attrs_json.size() + route_.size() + message_json.size());
  // Same bytes as serializing the whole object, without copying the fixed parts into a json::object per
  // message.
  out += "{\"snowflake\":";
  out += snowflake_;
  out += ",\"idx\":";
  out += std::to_string(idx);
  out += ",\"request\":";
  out += request_;
  out += ",\"otoroshi_request\":";
  out += otoroshi_request_;
  out += ",\"config\":";
  out += config_json;
  out += ",\"target\":";
  out += target_;
  out += ",\"attrs\":";
  out += attrs_json;
  out += ",\"route\":";
  out += route_;
  out += ",\"message\":";
  out += message_json;
  out += '}';
  return out;
}

namespace {

// A payload as bytes: a string's UTF-8 bytes, or an array of byte values (-128..255). Nullopt otherwise.
std::optional<std::string> payload_bytes(const json::value& payload) {
  if (const auto* s = payload.if_string()) return std::string(s->data(), s->size());
  const auto* array = payload.if_array();
  if (array == nullptr) return std::nullopt;
  std::string out;
  out.reserve(array->size());
  for (const json::value& v : *array) {
    std::int64_t n = 0;
    if (v.is_int64())
      n = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= 255)
      n = static_cast<std::int64_t>(v.get_uint64());
    else
      return std::nullopt;
    if (n < -128 || n > 255) return std::nullopt;
    out.push_back(static_cast<char>(static_cast<unsigned char>(n & 0xFF)));
  }
  return out;
}

}  // namespace

WebsocketDecision websocket_decision(const boost::json::object& output) {
  WebsocketDecision d;
  const auto* error = output.if_contains("error");
  if (error != nullptr && error->is_bool() && error->get_bool()) {
    d.rejected = true;
    if (const auto* r = output.if_contains("reason"); r != nullptr && r->is_string()) {
      d.reason = std::string(r->get_string());
    }
    if (const auto* s = output.if_contains("statusCode"); s != nullptr && s->is_int64()) {
      d.status_code = static_cast<int>(s->get_int64());
    }
    return d;
  }
  const auto* message = output.if_contains("message");
  const json::object* m = message != nullptr ? message->if_object() : nullptr;
  const json::value* payload = m != nullptr ? m->if_contains("payload") : nullptr;
  std::optional<std::string> bytes = payload != nullptr ? payload_bytes(*payload) : std::nullopt;
  if (!bytes) {
    d.rejected = true;
    d.reason = "the plugin output has no message.payload (a string or an array of bytes)";
    return d;
  }
  const auto* kind = m->if_contains("kind");
  d.message.binary = kind != nullptr && kind->is_string() && kind->get_string() == "binary";
  d.message.payload = std::move(*bytes);
  return d;
}

}  // namespace wasmgate::plugins
