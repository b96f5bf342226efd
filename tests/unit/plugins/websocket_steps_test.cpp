#include "plugins/websocket_steps.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

model::Target sample_target() {
  model::Target t;
  t.id = "target_1";
  t.hostname = "backend.local";
  t.port = 8080;
  t.weight = 3;
  t.protocol = "HTTP/1.1";
  t.ip_address = "127.0.0.1";
  t.tls_config.certs = {"cert_a"};
  t.tls_config.trusted_certs = {"ca_b"};
  t.tls_config.enabled = true;
  t.tls_config.loose = true;
  t.predicate = json::object{{"type", "AlwaysMatch"}};
  return t;
}

RequestFacts sample_request() {
  RequestFacts r;
  r.id = 7;
  r.snowflake = "1700000000000042";
  r.method = "GET";
  r.uri = "/chat?room=a";
  r.headers = {{"Host", "ws.oto.tools"}, {"Upgrade", "websocket"}};
  r.remote = "127.0.0.1";
  return r;
}

OutgoingRequest sample_handshake() {
  OutgoingRequest o;
  o.url = "http://backend.local:8080/chat?room=a";
  o.method = "GET";
  o.headers = {{"X-Forwarded-For", "127.0.0.1"}};
  o.backend = sample_target();
  return o;
}

// ---- function names

TEST(WebsocketFunction, DefaultsPerDirectionWhenTheSlotNamesNone) {
  const model::WasmConfig config;
  EXPECT_EQ(websocket_function(config, WebsocketDirection::ClientToBackend), "on_request_message");
  EXPECT_EQ(websocket_function(config, WebsocketDirection::BackendToClient), "on_response_message");
}

TEST(WebsocketFunction, SlotFunctionNameServesBothDirections) {
  model::WasmConfig config;
  config.function_name = "transform";
  EXPECT_EQ(websocket_function(config, WebsocketDirection::ClientToBackend), "transform");
  EXPECT_EQ(websocket_function(config, WebsocketDirection::BackendToClient), "transform");
}

// ---- legacy Target JSON

TEST(LegacyTargetJson, HasOtoroshiTargetFormatFields) {
  const json::object j = legacy_target_json(sample_target());
  EXPECT_EQ(keys_of(j), (std::vector<std::string>{"host", "scheme", "weight", "mtlsConfig", "protocol",
                                                  "predicate", "ipAddress"}));
  EXPECT_EQ(j.at("host"), "backend.local:8080");
  EXPECT_EQ(j.at("scheme"), "http");
  EXPECT_EQ(j.at("weight"), 3);
  EXPECT_EQ(j.at("protocol"), "HTTP/1.1");
  EXPECT_EQ(j.at("ipAddress"), "127.0.0.1");
  EXPECT_EQ(j.at("predicate"), (json::object{{"type", "AlwaysMatch"}}));
  EXPECT_EQ(j.at("mtlsConfig"), (json::object{{"certs", json::array{"cert_a"}},
                                              {"trustedCerts", json::array{"ca_b"}},
                                              {"mtls", true},
                                              {"loose", true},
                                              {"trustAll", false}}));
}

TEST(LegacyTargetJson, TlsTargetIsHttpsAndMissingIpIsNull) {
  model::Target t = sample_target();
  t.tls = true;
  t.ip_address.reset();
  const json::object j = legacy_target_json(t);
  EXPECT_EQ(j.at("scheme"), "https");
  EXPECT_TRUE(j.at("ipAddress").is_null());
}

// ---- context

TEST(WebsocketContext, RendersOtoroshiKeysInOrderWithTheMessageLast) {
  model::Route route;
  route.json = json::object{{"id", "route_ws"}};
  const WebsocketContext context(sample_request(), sample_handshake(), sample_target(), &route);
  const json::object config{{"functionName", "x"}};
  const json::object attrs{{"otoroshi.core.SnowFlake", "1700000000000042"}};
  const json::value parsed = json::parse(context.render(2, config, attrs, WebsocketMessage{false, "héllo"}));
  const json::object& c = parsed.as_object();
  EXPECT_EQ(keys_of(c), (std::vector<std::string>{"snowflake", "idx", "request", "otoroshi_request", "config",
                                                  "target", "attrs", "route", "message"}));
  EXPECT_EQ(c.at("snowflake"), "1700000000000042");
  EXPECT_EQ(c.at("idx"), 2);
  EXPECT_EQ(c.at("request").at("path"), "/chat");
  EXPECT_EQ(c.at("request").at("method"), "GET");
  EXPECT_EQ(c.at("otoroshi_request").at("url"), "http://backend.local:8080/chat?room=a");
  EXPECT_EQ(c.at("otoroshi_request").at("backend").at("hostname"), "backend.local");
  EXPECT_EQ(c.at("config"), config);
  EXPECT_EQ(c.at("target").at("host"), "backend.local:8080");
  EXPECT_EQ(c.at("attrs"), attrs);
  EXPECT_EQ(c.at("route").at("id"), "route_ws");
  EXPECT_EQ(c.at("message"), (json::object{{"kind", "text"}, {"payload", "héllo"}}));
}

TEST(WebsocketContext, RenderEqualsSerializingTheWholeObject) {
  const WebsocketContext context(sample_request(), sample_handshake(), sample_target(), nullptr);
  const std::string rendered =
      context.render(0, json::object{}, json::object{}, WebsocketMessage{true, "\x01"});
  json::object whole;
  whole["snowflake"] = "1700000000000042";
  whole["idx"] = 0;
  whole["request"] = raw_request_json(sample_request());
  whole["otoroshi_request"] = otoroshi_request_json(sample_handshake());
  whole["config"] = json::object{};
  whole["target"] = legacy_target_json(sample_target());
  whole["attrs"] = json::object{};
  whole["route"] = nullptr;
  whole["message"] = json::object{{"kind", "binary"}, {"payload", json::array{1}}};
  EXPECT_EQ(rendered, json::serialize(whole));
}

TEST(WebsocketMessageJson, BinaryPayloadIsSignedBytes) {
  const json::object m = websocket_message_json(WebsocketMessage{true, std::string("\x00\x7f\x80\xff", 4)});
  EXPECT_EQ(m.at("kind"), "binary");
  EXPECT_EQ(m.at("payload"), (json::array{0, 127, -128, -1}));
}

// ---- decision

WebsocketDecision decide(std::string_view output) {
  return websocket_decision(json::parse(output).as_object());
}

TEST(WebsocketDecision, TextMessageReplacesTheOriginal) {
  const WebsocketDecision d = decide(R"({"message":{"kind":"text","payload":"[RESPONSE]:hi"}})");
  EXPECT_FALSE(d.rejected);
  EXPECT_FALSE(d.message.binary);
  EXPECT_EQ(d.message.payload, "[RESPONSE]:hi");
}

TEST(WebsocketDecision, KindDefaultsToText) {
  const WebsocketDecision d = decide(R"({"message":{"payload":"plain"}})");
  EXPECT_FALSE(d.rejected);
  EXPECT_FALSE(d.message.binary);
  EXPECT_EQ(d.message.payload, "plain");
}

TEST(WebsocketDecision, BinaryPayloadAcceptsSignedAndUnsignedBytes) {
  const WebsocketDecision d = decide(R"({"message":{"kind":"binary","payload":[0,-1,255,-128]}})");
  EXPECT_FALSE(d.rejected);
  EXPECT_TRUE(d.message.binary);
  EXPECT_EQ(d.message.payload, std::string("\x00\xff\xff\x80", 4));
}

TEST(WebsocketDecision, ErrorTrueRejectsWithDefaults) {
  const WebsocketDecision d = decide(R"({"error":true})");
  EXPECT_TRUE(d.rejected);
  EXPECT_EQ(d.reason, "error");
  EXPECT_EQ(d.status_code, 500);
}

TEST(WebsocketDecision, ErrorTrueKeepsReasonAndStatusCode) {
  const WebsocketDecision d =
      decide(R"({"error":true,"reason":"nope","statusCode":400,"message":{"payload":"x"}})");
  EXPECT_TRUE(d.rejected);
  EXPECT_EQ(d.reason, "nope");
  EXPECT_EQ(d.status_code, 400);
}

TEST(WebsocketDecision, ErrorFalseWithMessageGoesOn) {
  const WebsocketDecision d = decide(R"({"error":false,"message":{"payload":"ok"}})");
  EXPECT_FALSE(d.rejected);
  EXPECT_EQ(d.message.payload, "ok");
}

TEST(WebsocketDecision, MissingOrInvalidPayloadRejects) {
  EXPECT_TRUE(decide(R"({})").rejected);
  EXPECT_TRUE(decide(R"({"message":{"kind":"text"}})").rejected);
  EXPECT_TRUE(decide(R"({"message":{"payload":42}})").rejected);
  EXPECT_TRUE(decide(R"({"message":{"kind":"binary","payload":[1,300]}})").rejected);
  EXPECT_TRUE(decide(R"({"message":{"kind":"binary","payload":[1.5]}})").rejected);
}

}  // namespace
}  // namespace wasmgate::plugins
