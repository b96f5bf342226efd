#include "plugins/step_context.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <vector>

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

RequestFacts sample_request() {
  RequestFacts r;
  r.id = 42;
  r.snowflake = "1234567890";
  r.method = "POST";
  r.uri = "/api/items?tag=a&tag=b%20c&q=x+y&flag&=empty#frag";
  r.headers = {{"Host", "api.example.com"},
               {"X-Dup", "first"},
               {"x-dup", "second"},
               {"Cookie", "session=abc; theme=\"dark\""},
               {"cookie", "lang=fr"}};
  r.remote = "10.0.0.7";
  r.tls = true;
  r.has_body = true;
  r.path_params = {{"id", "17"}};
  return r;
}

model::Target sample_target() {
  model::Target t;
  t.id = "target_1";
  t.hostname = "backend.local";
  t.port = 8443;
  t.tls = true;
  t.weight = 2;
  t.backup = true;
  t.protocol = "HTTP/2.0";
  t.ip_address = "127.0.0.1";
  t.tls_config.certs = {"cert_a"};
  t.tls_config.enabled = true;
  t.predicate = json::object{{"type", "AlwaysMatch"}};
  return t;
}

// ---- RawRequest
// -----------------------------------------------------------------------------------------------

TEST(RawRequestJson, HasEveryFieldInOtoroshiOrder) {
  const json::object j = raw_request_json(sample_request());
  EXPECT_EQ(keys_of(j),
            (std::vector<std::string>{"id", "method", "headers", "cookies", "tls", "uri", "query", "path",
                                      "version", "has_body", "remote", "client_cert_chain", "path_params"}));
  EXPECT_EQ(j.at("id").as_uint64(), 42u);
  EXPECT_EQ(j.at("method"), "POST");
  EXPECT_EQ(j.at("tls"), true);
  EXPECT_EQ(j.at("uri"), "/api/items?tag=a&tag=b%20c&q=x+y&flag&=empty#frag");
  EXPECT_EQ(j.at("path"), "/api/items");
  EXPECT_EQ(j.at("version"), "HTTP/1.1");
  EXPECT_EQ(j.at("has_body"), true);
  EXPECT_EQ(j.at("remote"), "10.0.0.7");
  EXPECT_TRUE(j.at("client_cert_chain").is_null());
  EXPECT_EQ(j.at("path_params"), (json::object{{"id", "17"}}));
}

TEST(RawRequestJson, KeepsTheFirstValueOfARepeatedHeaderUnderItsFirstSpelling) {
  const json::object headers = raw_request_json(sample_request()).at("headers").as_object();
  EXPECT_EQ(headers.at("X-Dup"), "first");
  EXPECT_EQ(headers.if_contains("x-dup"), nullptr);
  EXPECT_EQ(headers.at("Cookie"), "session=abc; theme=\"dark\"");
  EXPECT_EQ(headers.at("Host"), "api.example.com");
}

TEST(RawRequestJson, QueryListsEveryValueDecodedInOrder) {
  const json::object query = raw_request_json(sample_request()).at("query").as_object();
  EXPECT_EQ(query.at("tag"), (json::array{"a", "b c"}));
  EXPECT_EQ(query.at("q"), (json::array{"x y"}));
  EXPECT_EQ(query.at("flag"), (json::array{""}));
  EXPECT_EQ(query.at(""), (json::array{"empty"}));
  EXPECT_EQ(query.size(), 4u);  // the fragment is not part of the query
}

TEST(RawRequestJson, QueryKeepsMalformedEscapesAndDecodesUtf8) {
  RequestFacts r = sample_request();
  r.uri = "/?a=%zz&b=100%&c=%C3%A9t%C3%A9&d%5B%5D=1";
  const json::object query = raw_request_json(r).at("query").as_object();
  EXPECT_EQ(query.at("a"), (json::array{"%zz"}));
  EXPECT_EQ(query.at("b"), (json::array{"100%"}));
  EXPECT_EQ(query.at("c"), (json::array{"\xC3\xA9t\xC3\xA9"}));
  EXPECT_EQ(query.at("d[]"), (json::array{"1"}));
}

TEST(RawRequestJson, InvalidUtf8FromTheClientBecomesReplacementCharacters) {
  RequestFacts r = sample_request();
  r.uri = "/?v=%FF";
  r.headers = {{"X-Bin",
                "a\xFF"
                "b"}};
  const json::object j = raw_request_json(r);
  EXPECT_EQ(j.at("query").at("v"), (json::array{"\xEF\xBF\xBD"}));
  EXPECT_EQ(j.at("headers").at("X-Bin"),
            "a\xEF\xBF\xBD"
            "b");
  // The whole context serialises and parses back as JSON.
  EXPECT_NO_THROW(json::parse(json::serialize(j)));
}

TEST(RawRequestJson, EmptyQueryAndNoCookies) {
  RequestFacts r;
  r.method = "GET";
  r.uri = "/";
  const json::object j = raw_request_json(r);
  EXPECT_TRUE(j.at("query").as_object().empty());
  EXPECT_TRUE(j.at("cookies").as_array().empty());
  EXPECT_TRUE(j.at("headers").as_object().empty());
  EXPECT_TRUE(j.at("path_params").as_object().empty());
  EXPECT_EQ(j.at("path"), "/");
  EXPECT_EQ(j.at("tls"), false);
  EXPECT_EQ(j.at("has_body"), false);
}

TEST(RawRequestJson, CookiesFromEveryCookieHeaderWithPlayDefaults) {
  const json::array cookies = raw_request_json(sample_request()).at("cookies").as_array();
  ASSERT_EQ(cookies.size(), 3u);
  EXPECT_EQ(cookies[0], (json::object{{"name", "session"},
                                      {"value", "abc"},
                                      {"path", "/"},
                                      {"domain", nullptr},
                                      {"http_only", true},
                                      {"max_age", nullptr},
                                      {"secure", false},
                                      {"same_site", nullptr}}));
  EXPECT_EQ(keys_of(cookies[0].as_object()),
            (std::vector<std::string>{"name", "value", "path", "domain", "http_only", "max_age", "secure",
                                      "same_site"}));
  EXPECT_EQ(cookies[1].at("name"), "theme");
  EXPECT_EQ(cookies[1].at("value"), "dark");  // quotes unwrapped
  EXPECT_EQ(cookies[2].at("name"), "lang");
  EXPECT_EQ(cookies[2].at("value"), "fr");
}

TEST(RawRequestJson, CookieWithoutEqualsHasEmptyValueAndEmptyNamesAreSkipped) {
  RequestFacts r;
  r.headers = {{"Cookie", "flag; =nope; ; a=b=c"}};
  const json::array cookies = raw_request_json(r).at("cookies").as_array();
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_EQ(cookies[0].at("name"), "flag");
  EXPECT_EQ(cookies[0].at("value"), "");
  EXPECT_EQ(cookies[1].at("name"), "a");
  EXPECT_EQ(cookies[1].at("value"), "b=c");
}

// ---- OtoroshiRequest / OtoroshiResponse
// ------------------------------------------------------------------------

TEST(OtoroshiRequestJson, HasEveryFieldAndQueryFromTheUrl) {
  OutgoingRequest req;
  req.url = "https://backend.local:8443/items?x=1&x=2&y=%2F";
  req.method = "PUT";
  req.headers = {{"Content-Type", "text/plain"}, {"content-type", "ignored"}, {"Cookie", "a=1"}};
  req.backend = sample_target();
  const json::object j = otoroshi_request_json(req);
  EXPECT_EQ(keys_of(j), (std::vector<std::string>{"url", "method", "headers", "query", "version",
                                                  "client_cert_chain", "backend", "cookies"}));
  EXPECT_EQ(j.at("url"), "https://backend.local:8443/items?x=1&x=2&y=%2F");
  EXPECT_EQ(j.at("method"), "PUT");
  EXPECT_EQ(j.at("headers"), (json::object{{"Content-Type", "text/plain"}, {"Cookie", "a=1"}}));
  EXPECT_EQ(j.at("query"), (json::object{{"x", json::array{"1", "2"}}, {"y", json::array{"/"}}}));
  EXPECT_EQ(j.at("version"), "HTTP/1.1");
  EXPECT_TRUE(j.at("client_cert_chain").is_null());
  EXPECT_EQ(j.at("backend"), target_json(sample_target()));
  ASSERT_EQ(j.at("cookies").as_array().size(), 1u);
  EXPECT_EQ(j.at("cookies").as_array()[0], (json::object{{"name", "a"},
                                                         {"value", "1"},
                                                         {"domain", nullptr},
                                                         {"path", "/"},
                                                         {"maxAge", nullptr},
                                                         {"secure", false},
                                                         {"httpOnly", true}}));
}

TEST(OtoroshiRequestJson, BackendIsNullWhenUnknown) {
  OutgoingRequest req;
  req.url = "/relative";
  const json::object j = otoroshi_request_json(req);
  EXPECT_TRUE(j.at("backend").is_null());
  EXPECT_TRUE(j.at("query").as_object().empty());
  EXPECT_TRUE(j.at("cookies").as_array().empty());
}

TEST(OtoroshiResponseJson, KeepsTheLastHeaderValueAndParsesSetCookies) {
  IncomingResponse resp;
  resp.status = 201;
  resp.headers = {
      {"X-Dup", "first"},
      {"x-dup", "last"},
      {"Set-Cookie", "sid=\"xyz\"; Path=/app; Domain=example.com; Max-Age=3600; Secure; HttpOnly"},
      {"set-cookie", "plain=1"},
      {"Set-Cookie", "broken"},
      {"Set-Cookie", "neg=1; max-age=-5; path="}};
  const json::object j = otoroshi_response_json(resp);
  EXPECT_EQ(keys_of(j), (std::vector<std::string>{"status", "headers", "cookies"}));
  EXPECT_EQ(j.at("status"), 201);
  EXPECT_EQ(j.at("headers").at("X-Dup"), "last");
  EXPECT_EQ(j.at("headers").at("Set-Cookie"), "neg=1; max-age=-5; path=");
  const json::array& cookies = j.at("cookies").as_array();
  ASSERT_EQ(cookies.size(), 3u);  // "broken" has no '=' and is not a cookie
  EXPECT_EQ(cookies[0], (json::object{{"name", "sid"},
                                      {"value", "xyz"},
                                      {"domain", "example.com"},
                                      {"path", "/app"},
                                      {"maxAge", 3600},
                                      {"secure", true},
                                      {"httpOnly", true}}));
  EXPECT_EQ(keys_of(cookies[0].as_object()),
            (std::vector<std::string>{"name", "value", "domain", "path", "maxAge", "secure", "httpOnly"}));
  EXPECT_EQ(cookies[1], (json::object{{"name", "plain"},
                                      {"value", "1"},
                                      {"domain", nullptr},
                                      {"path", nullptr},
                                      {"maxAge", nullptr},
                                      {"secure", false},
                                      {"httpOnly", false}}));
  EXPECT_EQ(cookies[2].at("maxAge"), -5);
  EXPECT_TRUE(cookies[2].at("path").is_null());
}

// ---- Target and bytes
// ---------------------------------------------------------------------------------------------

TEST(TargetJson, HasEveryNgTargetField) {
  const json::object j = target_json(sample_target());
  EXPECT_EQ(keys_of(j), (std::vector<std::string>{"id", "hostname", "port", "tls", "weight", "backup",
                                                  "predicate", "protocol", "ip_address", "tls_config"}));
  EXPECT_EQ(j.at("id"), "target_1");
  EXPECT_EQ(j.at("hostname"), "backend.local");
  EXPECT_EQ(j.at("port"), 8443);
  EXPECT_EQ(j.at("tls"), true);
  EXPECT_EQ(j.at("weight"), 2);
  EXPECT_EQ(j.at("backup"), true);
  EXPECT_EQ(j.at("predicate"), (json::object{{"type", "AlwaysMatch"}}));
  EXPECT_EQ(j.at("protocol"), "HTTP/2.0");
  EXPECT_EQ(j.at("ip_address"), "127.0.0.1");
  EXPECT_EQ(j.at("tls_config"), (json::object{{"certs", json::array{"cert_a"}},
                                              {"trusted_certs", json::array{}},
                                              {"enabled", true},
                                              {"loose", false},
                                              {"trust_all", false}}));
}

TEST(TargetJson, DefaultsAndNullIpAddress) {
  model::Target t;
  t.hostname = "h";
  const json::object j = target_json(t);
  EXPECT_TRUE(j.at("ip_address").is_null());
  EXPECT_EQ(j.at("port"), 80);
  EXPECT_EQ(j.at("weight"), 1);
  EXPECT_EQ(j.at("backup"), false);
  EXPECT_EQ(j.at("protocol"), "HTTP/1.1");
}

TEST(SignedBytes, BytesFrom0x80AreNegative) {
  const std::string bytes("\x00\x01\x7F\x80\xFE\xFF", 6);
  EXPECT_EQ(signed_bytes_json(bytes), (json::array{0, 1, 127, -128, -2, -1}));
  EXPECT_TRUE(signed_bytes_json("").empty());
}

TEST(SignedBytes, BodyIsNullWhenNotBufferedAndEmptyOnlyForResponses) {
  EXPECT_TRUE(body_bytes_json(std::nullopt).is_null());
  EXPECT_EQ(body_bytes_json(std::string()), json::array{});
  EXPECT_TRUE(body_bytes_json(std::string(), /*empty_is_null=*/true).is_null());
  EXPECT_EQ(body_bytes_json(std::string("A"), true), (json::array{65}));
}

// ---- contexts
// ------------------------------------------------------------------------------------------------------

struct ScopeFixture {
  model::Route route;
  json::object config{{"foo", "bar"}};
  json::object global{{"g", 1}};
  json::object attrs{{"otoroshi.core.SnowFlake", "1234567890"}};
  ScopeFixture() { route.json = json::object{{"id", "route_1"}, {"name", "r"}}; }
  StepScope scope() const { return StepScope{&route, &config, &global, &attrs}; }
};

TEST(StepContexts, RouteMatcherKeys) {
  ScopeFixture f;
  const json::object c = route_matcher_context(sample_request(), f.scope());
  EXPECT_EQ(keys_of(c), (std::vector<std::string>{"snowflake", "route", "request", "config", "attrs"}));
  EXPECT_EQ(c.at("snowflake"), "1234567890");
  EXPECT_EQ(c.at("route").at("id"), "route_1");
  EXPECT_EQ(c.at("request"), raw_request_json(sample_request()));
  EXPECT_EQ(c.at("config"), f.config);
  EXPECT_EQ(c.at("attrs"), f.attrs);
}

TEST(StepContexts, PreRouteKeys) {
  ScopeFixture f;
  const json::object c = pre_route_context(sample_request(), f.scope());
  EXPECT_EQ(keys_of(c),
            (std::vector<std::string>{"snowflake", "request", "config", "global_config", "attrs", "route"}));
  EXPECT_EQ(c.at("global_config"), f.global);
}

TEST(StepContexts, AccessKeysWithNullApikeyAndUser) {
  ScopeFixture f;
  const json::object c = access_context(sample_request(), f.scope());
  EXPECT_EQ(keys_of(c), (std::vector<std::string>{"snowflake", "apikey", "user", "request", "config",
                                                  "global_config", "attrs", "route"}));
  EXPECT_TRUE(c.at("apikey").is_null());
  EXPECT_TRUE(c.at("user").is_null());
}

TEST(StepContexts, MissingScopePiecesDefault) {
  const json::object c = access_context(sample_request(), StepScope{});
  EXPECT_TRUE(c.at("route").is_null());
  EXPECT_EQ(c.at("config"), json::object{});
  EXPECT_EQ(c.at("global_config"), json::object{});
  EXPECT_EQ(c.at("attrs"), json::object{});
}

TEST(StepContexts, RequestTransformerKeysAndBody) {
  ScopeFixture f;
  OutgoingRequest raw;
  raw.url = "https://api.example.com/api/items";
  raw.method = "POST";
  OutgoingRequest current = raw;
  current.url = "https://backend.local:8443/items";
  current.backend = sample_target();
  const json::object c =
      request_transformer_context(sample_request(), raw, current, std::string("\x01\xFF", 2), f.scope());
  EXPECT_EQ(keys_of(c), (std::vector<std::string>{"snowflake", "raw_request", "otoroshi_request", "apikey",
                                                  "user", "request", "config", "global_config", "attrs",
                                                  "route", "request_body_bytes"}));
  EXPECT_EQ(c.at("raw_request"), otoroshi_request_json(raw));
  EXPECT_EQ(c.at("otoroshi_request"), otoroshi_request_json(current));
  EXPECT_EQ(c.at("request_body_bytes"), (json::array{1, -1}));
  EXPECT_EQ(c.if_contains("backend"), nullptr);  // the docs' top-level backend is not sent
  EXPECT_TRUE(request_transformer_context(sample_request(), raw, current, std::nullopt, f.scope())
                  .at("request_body_bytes")
                  .is_null());
  EXPECT_EQ(request_transformer_context(sample_request(), raw, current, std::string(), f.scope())
                .at("request_body_bytes"),
            json::array{});
}

TEST(StepContexts, ResponseTransformerKeysAndEmptyBodyIsNull) {
  ScopeFixture f;
  IncomingResponse raw;
  raw.status = 404;
  IncomingResponse current = raw;
  current.headers = {{"X-A", "1"}};
  const json::object c =
      response_transformer_context(sample_request(), raw, current, std::string(), f.scope());
  EXPECT_EQ(keys_of(c), (std::vector<std::string>{"snowflake", "raw_response", "otoroshi_response", "apikey",
                                                  "user", "request", "config", "global_config", "attrs",
                                                  "route", "response_body_bytes"}));
  EXPECT_EQ(c.at("raw_response").at("status"), 404);
  EXPECT_EQ(c.at("otoroshi_response").at("headers"), (json::object{{"X-A", "1"}}));
  EXPECT_TRUE(c.at("response_body_bytes").is_null());
  EXPECT_EQ(response_transformer_context(sample_request(), raw, current, std::string("ok"), f.scope())
                .at("response_body_bytes"),
            (json::array{111, 107}));
}

TEST(StepContexts, BackendKeys) {
  ScopeFixture f;
  OutgoingRequest current;
  current.url = "https://backend.local:8443/items";
  current.method = "GET";
  const json::object c = backend_context(sample_request(), current, sample_target(), std::nullopt, f.scope());
  EXPECT_EQ(keys_of(c),
            (std::vector<std::string>{"snowflake", "backend", "apikey", "user", "raw_request", "config",
                                      "global_config", "attrs", "route", "request_body_bytes", "request"}));
  EXPECT_EQ(c.at("backend"), target_json(sample_target()));
  EXPECT_EQ(c.at("raw_request"), raw_request_json(sample_request()));
  EXPECT_EQ(c.at("request"), otoroshi_request_json(current));
  EXPECT_TRUE(c.at("request_body_bytes").is_null());
}

}  // namespace
}  // namespace wasmgate::plugins
