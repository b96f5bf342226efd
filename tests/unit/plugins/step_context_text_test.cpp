#include "plugins/step_context_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "plugins/route_plan.h"

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;

// Requests that exercise escaping and the RawRequest's parts: quotes, backslashes and control characters in
// headers, UTF-8 and invalid UTF-8, repeated query keys, cookies, path params.
std::vector<RequestFacts> requests() {
  RequestFacts full;
  full.id = 42;
  full.snowflake = "1234567890";
  full.method = "POST";
  full.uri = "/api/items?tag=a&tag=b%20c&q=x+y&flag&=empty&u=%C3%A9#frag";
  full.headers = {{"Host", "api.example.com"},
                  {"X-Quote", "say \"hi\" \\ back\\slash"},
                  {"X-Ctl", "tab\there\x01\x1f\b\f\n\r end"},
                  {"X-Utf8", "caf\xC3\xA9 \xE2\x82\xAC"},
                  {"X-Bad", "bad \xFF\xC0 bytes"},
                  {"x-quote", "second"},
                  {"Cookie", "session=abc; theme=\"dark\""},
                  {"cookie", "lang=fr; =skipped; bare"}};
  full.remote = "10.0.0.7";
  full.tls = true;
  full.has_body = true;
  full.path_params = {{"id", "17"}, {"name\"q", "v\\w"}};

  RequestFacts bare;
  bare.snowflake = "snow\"flake\x02";
  bare.method = "GET";
  bare.uri = "/";

  // Names that are equal only once made valid UTF-8, repeated path params and query keys, bad escapes.
  RequestFacts odd;
  odd.id = 18446744073709551615u;
  odd.method = "G\xC3\x28T";
  odd.uri = "/p%20a/\xFF?a=1&&b&a=%FF%zz&c=&=v&a=3+4&%41=x#f?g=1";
  odd.version = "HTTP/1.0";
  odd.headers = {{"X-\xFF", "1"}, {"X-\xFE", "2"}, {"x-\xff", "3"}, {"X-Empty", ""}, {"COOKIE", "q=\"\"; z"}};
  odd.remote = "::1";
  odd.path_params = {{"a", "1"}, {"b\xFF", "2"}, {"a", "3"}, {"b\xFE", "4"}};
  return {full, bare, odd};
}

model::Target target() {
  model::Target t;
  t.id = "target_1";
  t.hostname = "backend.local";
  t.port = 8443;
  t.tls = true;
  t.ip_address = "127.0.0.1";
  t.tls_config.certs = {"cert_a"};
  t.predicate = json::object{{"type", "AlwaysMatch"}};
  return t;
}

// A scope and the text that renders it, as the proxy builds them (route and config from a RoutePlan).
struct Scope {
  model::Route route;
  json::object config;
  json::object global;
  json::object attrs;
  std::string route_json, config_json, global_json, attrs_json, request_json;

  explicit Scope(bool empty) {
    if (empty) return;
    route.json = json::parse(R"({"id":"route_1","name":"r \"1\"","frontend":{"domains":["a.oto.tools"]},
                                 "plugins":[{"config":{"x":1.5,"y":[true,null,-3]}}],"n":18446744073709551615})")
                     .as_object();
    config = json::object{{"foo", "bar"}, {"nested", json::object{{"k", json::array{1, "two", 3.25}}}}};
    global = json::object{{"g", 1}, {"WasmRequestHandler", json::object{}}};
    attrs = json::object{{"otoroshi.core.SnowFlake", "1234567890"},
                         {"otoroshi.next.core.ResponseAddHeaders", json::array{json::array{"X-A", "1"}}}};
  }
  StepScope scope(bool empty) const {
    if (empty) return StepScope{};
    return StepScope{&route, &config, &global, &attrs};
  }
  std::string snowflake_json;
  StepText text(const RequestFacts& request, bool empty) {
    request_json = raw_request_text(request);
    append_json_string(snowflake_json, request.snowflake);
    StepText t;
    t.snowflake = snowflake_json;
    t.request = request_json;
    if (empty) return t;  // the defaults: null route, {} config, global config and attrs
    route_json = json::serialize(route.json);
    config_json = json::serialize(config);
    global_json = json::serialize(global);
    append_json(attrs_json, attrs);
    t.route = route_json;
    t.config = config_json;
    t.global_config = global_json;
    t.attrs = attrs_json;
    return t;
  }
};

// The text form is what serialize writes for the object form, so it parses to the same JSON, keys in order.
void expect_same(const std::string& text, const json::object& object) {
  EXPECT_EQ(text, json::serialize(object));
  json::error_code ec;
  const json::value parsed = json::parse(text, ec);
  ASSERT_FALSE(ec) << ec.message() << " in " << text;
  ASSERT_TRUE(parsed.is_object());
  EXPECT_EQ(parsed.as_object(), object);
  std::vector<std::string> text_keys, object_keys;
  for (const auto& kv : parsed.as_object()) text_keys.emplace_back(kv.key());
  for (const auto& kv : object) object_keys.emplace_back(kv.key());
  EXPECT_EQ(text_keys, object_keys);
}

std::vector<std::optional<std::string>> bodies() {
  return {std::nullopt, std::string(), std::string("ok"), std::string("\x00\x01\x7F\x80\xFF-", 6)};
}

TEST(StepContextText, JsonStringsAreEscapedAsBoostJsonDoes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (const std::string& s : {std::string(), std::string("plain"), std::string("\"\\/"), all}) {
    std::string out;
    append_json_string(out, s);
    EXPECT_EQ(out, json::serialize(json::string(s)));
  }
}

TEST(StepContextText, JsonValuesAreWrittenAsBoostJsonSerializesThem) {
  const json::value values = json::parse(R"([null, true, false, 0, -1, 9223372036854775807, -9223372036854775808,
      18446744073709551615, 0.5, -1.25e-300, 1e300, 3.0, "", "a\"b\\c\u0001\u001f\n\u00e9\u20ac",
      [], {}, [[1, [2]], {"k": {"x": [null]}}], {"é \"q\"": 1, "": "", "dup": 1}])");
  for (const json::value& v : values.as_array()) {
    std::string out;
    append_json(out, v);
    EXPECT_EQ(out, json::serialize(v));
  }
  std::string whole;
  append_json(whole, values);
  EXPECT_EQ(whole, json::serialize(values));
  const json::object attrs{{"otoroshi.core.SnowFlake", "1234567890"}, {"n", 1.5}, {"bad", "\xFF"}};
  std::string out;
  append_json(out, attrs);
  EXPECT_EQ(out, json::serialize(attrs));
}

TEST(StepContextText, BodyBytesAreTheSignedBytesArray) {
  for (const auto& body : bodies()) {
    for (const bool empty_is_null : {false, true}) {
      std::string out;
      append_body_bytes(out, body, empty_is_null);
      EXPECT_EQ(out, json::serialize(body_bytes_json(body, empty_is_null)));
    }
  }
}

TEST(StepContextText, RawRequestIsTheSerializedObject) {
  for (const auto& request : requests()) {
    expect_same(raw_request_text(request), raw_request_json(request));
  }
}

TEST(StepContextText, RouteMatcherPreRouteAndAccessAreTheObjectForms) {
  for (const auto& request : requests()) {
    for (const bool empty : {false, true}) {
      Scope s(empty);
      const StepText text = s.text(request, empty);
      expect_same(route_matcher_context_text(text), route_matcher_context(request, s.scope(empty)));
      expect_same(pre_route_context_text(text), pre_route_context(request, s.scope(empty)));
      expect_same(access_context_text(text), access_context(request, s.scope(empty)));
    }
  }
}

TEST(StepContextText, TransformerAndBackendContextsAreTheObjectForms) {
  OutgoingRequest raw;
  raw.url = "https://api.example.com/api/items?a=1&a=2";
  raw.method = "POST";
  raw.headers = {{"Cookie", "a=1"}, {"X-Q", "\"q\""}};
  OutgoingRequest current = raw;
  current.url = "https://backend.local:8443/items";
  current.backend = target();
  IncomingResponse raw_response;
  raw_response.status = 404;
  raw_response.headers = {{"Set-Cookie", "s=1; Path=/; Max-Age=60; HttpOnly"}, {"X-A", "1"}};
  IncomingResponse current_response = raw_response;
  current_response.headers.emplace_back("x-a", "2");
  for (const auto& request : requests()) {
    for (const bool empty : {false, true}) {
      Scope s(empty);
      const StepText text = s.text(request, empty);
      const StepScope scope = s.scope(empty);
      for (const auto& body : bodies()) {
        expect_same(request_transformer_context_text(raw, current, body, text),
                    request_transformer_context(request, raw, current, body, scope));
        expect_same(response_transformer_context_text(raw_response, current_response, body, text),
                    response_transformer_context(request, raw_response, current_response, body, scope));
        expect_same(backend_context_text(current, target(), body, text),
                    backend_context(request, current, target(), body, scope));
      }
    }
  }
}

TEST(StepContextText, PlansRenderTheRouteAndSlotConfigOnce) {
  auto route = std::make_shared<model::Route>();
  route->id = "route_1";
  route->json = json::object{{"id", "route_1"}, {"plugins", json::array{}}};
  auto slot = model::parse_plugin_slot(json::parse(
      R"({"plugin":"cp:otoroshi.next.plugins.WasmAccessValidator","config":{"source":{"kind":"Base64","path":"AGFzbQEAAAA=","opts":{}},"functionName":"f"}})"));
  ASSERT_TRUE(slot) << slot.error().message;
  route->plugins = {*slot};
  auto global = std::make_shared<const std::string>(R"({"g":1})");
  const RoutePlanPtr plan = build_route_plan(route, {}, global);
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->route_json, json::serialize(route->json));
  EXPECT_EQ(plan->global_config_json, global);
  ASSERT_EQ(plan->access.size(), 1u);
  EXPECT_EQ(plan->access[0].config_json, json::serialize(route->plugins[0].config));
}

}  // namespace
}  // namespace wasmgate::plugins
