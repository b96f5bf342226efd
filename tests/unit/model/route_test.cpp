#include "model/route.h"

#include <gtest/gtest.h>

#include "json_test_util.h"

namespace wasmgate::model {
namespace {

using testing::at;
using testing::has;
using testing::js;
namespace json = boost::json;

Route parse_ok(std::string_view text) { return testing::expect_ok(parse_route(js(text))); }

std::string error_of(std::string_view text) {
  Result<Route> r = parse_route(js(text));
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, Errc::BadRequest);
  return r.error().message;
}

TEST(ParseRoute, FillsEveryTopLevelDefault) {
  Route r = parse_ok(R"({"id":"r1","name":"R"})");
  EXPECT_EQ(r.id, "r1");
  EXPECT_EQ(r.name, "R");
  EXPECT_EQ(r.description, "");
  EXPECT_TRUE(r.enabled);
  EXPECT_FALSE(r.debug_flow);
  EXPECT_FALSE(r.export_reporting);
  EXPECT_FALSE(r.capture);
  EXPECT_EQ(r.groups, std::vector<std::string>{"default"});
  EXPECT_TRUE(r.bound_listeners.empty());
  EXPECT_TRUE(r.tags.empty());
  EXPECT_TRUE(r.metadata.empty());
  EXPECT_FALSE(r.backend_ref.has_value());
  EXPECT_TRUE(r.plugins.empty());

  const json::object& j = r.json;
  EXPECT_EQ(at(j, "/_loc"), js(R"({"tenant":"default","teams":["default"]})"));
  EXPECT_EQ(at(j, "/description"), "");
  EXPECT_EQ(at(j, "/tags"), json::array{});
  EXPECT_EQ(at(j, "/metadata"), json::object{});
  EXPECT_EQ(at(j, "/enabled"), true);
  EXPECT_EQ(at(j, "/debug_flow"), false);
  EXPECT_EQ(at(j, "/export_reporting"), false);
  EXPECT_EQ(at(j, "/capture"), false);
  EXPECT_EQ(at(j, "/groups"), js(R"(["default"])"));
  EXPECT_EQ(at(j, "/bound_listeners"), json::array{});
  EXPECT_TRUE(at(j, "/backend_ref").is_null());
  EXPECT_EQ(at(j, "/plugins"), json::array{});
}

TEST(ParseRoute, FillsFrontendDefaults) {
  Route r = parse_ok(R"({"id":"r1","name":"R"})");
  EXPECT_TRUE(r.frontend.domains.empty());
  EXPECT_TRUE(r.frontend.strip_path);
  EXPECT_FALSE(r.frontend.exact);
  EXPECT_EQ(at(r.json, "/frontend"),
            js(R"({"domains":[],"strip_path":true,"exact":false,"headers":{},"query":{},"cookies":{},
                   "methods":[]})"));
}

TEST(ParseRoute, FillsBackendAndClientDefaults) {
  Route r = parse_ok(R"({"id":"r1","name":"R"})");
  EXPECT_EQ(r.backend.root, "/");
  EXPECT_FALSE(r.backend.rewrite);
  EXPECT_EQ(r.backend.load_balancing, "RoundRobin");
  EXPECT_FALSE(r.backend.health_check.has_value());
  EXPECT_EQ(r.backend.client.retries, 1);
  EXPECT_EQ(r.backend.client.connection_timeout_ms, 10000);
  EXPECT_EQ(r.backend.client.idle_timeout_ms, 60000);
  EXPECT_EQ(r.backend.client.call_timeout_ms, 30000);
  EXPECT_EQ(r.backend.client.call_and_stream_timeout_ms, 120000);
  EXPECT_EQ(r.backend.client.global_timeout_ms, 30000);
  EXPECT_EQ(r.backend.client.max_errors, 20);
  EXPECT_EQ(r.backend.client.sample_interval_ms, 2000);
  EXPECT_EQ(at(r.json, "/backend/load_balancing"), js(R"({"type":"RoundRobin"})"));
  EXPECT_TRUE(at(r.json, "/backend/health_check").is_null());
  EXPECT_EQ(at(r.json, "/backend/client"),
            js(R"({"retries":1,"max_errors":20,"retry_initial_delay":50,"backoff_factor":2,
                   "call_timeout":30000,"call_and_stream_timeout":120000,"connection_timeout":10000,
                   "idle_timeout":60000,"global_timeout":30000,"sample_interval":2000,"proxy":{},
                   "custom_timeouts":[],"cache_connection_settings":{"enabled":false,"queue_size":2048}})"));
}

TEST(ParseRoute, FillsTargetDefaultsAndComputesId) {
  Route r = parse_ok(R"({"id":"r1","name":"R","backend":{"targets":[
      {"hostname":"a.svc"},
      {"hostname":"b.svc","tls":true},
      {"hostname":"c.svc","port":8443,"tls":true,"ip_address":"10.0.0.1"},
      {"hostname":"d.svc","port":81,"ip_address":"  "},
      {"id":"mine","hostname":"e.svc","port":80}]}})");
  ASSERT_EQ(r.backend.targets.size(), 5u);
  const Target& a = r.backend.targets[0];
  EXPECT_EQ(a.id, "http://a.svc:80");
  EXPECT_EQ(a.port, 80);
  EXPECT_FALSE(a.tls);
  EXPECT_EQ(a.weight, 1);
  EXPECT_FALSE(a.backup);
  EXPECT_EQ(a.protocol, "HTTP/1.1");
  EXPECT_FALSE(a.ip_address.has_value());
  EXPECT_EQ(r.backend.targets[1].id, "https://b.svc:443");
  EXPECT_EQ(r.backend.targets[1].port, 443);
  EXPECT_EQ(r.backend.targets[2].id, "https://c.svc@10.0.0.1:8443");
  EXPECT_EQ(r.backend.targets[2].ip_address, "10.0.0.1");
  EXPECT_EQ(r.backend.targets[3].id, "http://d.svc:81");  // blank ip_address reads as none
  EXPECT_EQ(r.backend.targets[4].id, "mine");

  EXPECT_EQ(at(r.json, "/backend/targets/0"),
            js(R"({"id":"http://a.svc:80","hostname":"a.svc","port":80,"tls":false,"weight":1,"backup":false,
                   "predicate":{"type":"AlwaysMatch"},"protocol":"HTTP/1.1","ip_address":null,
                   "tls_config":{"certs":[],"trusted_certs":[],"enabled":false,"loose":false,
                                 "trust_all":false}})"));
  EXPECT_TRUE(at(r.json, "/backend/targets/3/ip_address").is_null());
}

TEST(ParseRoute, ReadsLegacyTlsConfigCertId) {
  Route r = parse_ok(R"({"id":"r1","name":"R","backend":{"targets":[
      {"hostname":"a","tls_config":{"cert_id":"c1","trusted_certs":["t1"," "],"enabled":true}}]}})");
  const TargetTlsConfig& tls = r.backend.targets[0].tls_config;
  EXPECT_EQ(tls.certs, std::vector<std::string>{"c1"});
  EXPECT_EQ(tls.trusted_certs, std::vector<std::string>{"t1"});
  EXPECT_TRUE(tls.enabled);
  EXPECT_EQ(at(r.json, "/backend/targets/0/tls_config/certs"), js(R"(["c1"])"));
  EXPECT_FALSE(has(r.json, "/backend/targets/0/tls_config/cert_id"));
}

TEST(ParseRoute, ParsesDomainsIntoHostAndPath) {
  Route r = parse_ok(R"({"id":"r1","name":"R","frontend":{"domains":[
      "API.oto.tools:8080/v1", "*.oto.tools", "*"]}})");
  ASSERT_EQ(r.frontend.domains.size(), 3u);
  EXPECT_EQ(r.frontend.domains[0].host, "api.oto.tools");
  EXPECT_EQ(r.frontend.domains[0].path, "/v1");
  EXPECT_EQ(r.frontend.domains[1].host, "*.oto.tools");
  EXPECT_EQ(r.frontend.domains[1].path, "/");
  EXPECT_EQ(r.frontend.domains[2].host, "*");
  // The stored strings are kept as written, as Otoroshi does.
  EXPECT_EQ(at(r.json, "/frontend/domains/0"), "API.oto.tools:8080/v1");
}

TEST(ParseRoute, AcceptsSingleDomainKey) {
  Route r = parse_ok(R"({"id":"r1","name":"R","frontend":{"domain":"a.oto.tools/x"}})");
  ASSERT_EQ(r.frontend.domains.size(), 1u);
  EXPECT_EQ(r.frontend.domains[0].path, "/x");
  EXPECT_EQ(at(r.json, "/frontend/domains"), js(R"(["a.oto.tools/x"])"));
  EXPECT_FALSE(has(r.json, "/frontend/domain"));
}

TEST(ParseRoute, TypedFrontendMatchersKeepValuesVerbatim) {
  Route r = parse_ok(R"j({"id":"r1","name":"R","frontend":{
      "headers":{"X-Api":"v1","X-Any":"Exists()"},"query":{"q":"1"},"cookies":{"c":"v"},
      "methods":["get","Post"]}})j");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.frontend.headers, (Pairs{{"x-api", "v1"}, {"x-any", "Exists()"}}));
  EXPECT_EQ(r.frontend.query, (Pairs{{"q", "1"}}));
  EXPECT_EQ(r.frontend.cookies, (Pairs{{"c", "v"}}));
  EXPECT_EQ(r.frontend.methods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(at(r.json, "/frontend/headers/X-Api"), "v1");  // json keeps the original spelling
}

TEST(ParseRoute, FillsPluginSlotDefaults) {
  Route r = parse_ok(R"({"id":"r1","name":"R","plugins":[
      {"plugin":"cp:otoroshi.next.plugins.WasmAccessValidator"},
      {"plugin":"cp:x","enabled":false,"debug":true,"include":["/a.*"],"exclude":["/b"],
       "config":{"k":1},"bound_listeners":["l1"],"plugin_index":{"validate_access":0}}]})");
  ASSERT_EQ(r.plugins.size(), 2u);
  const PluginSlot& s0 = r.plugins[0];
  EXPECT_EQ(s0.plugin, "cp:otoroshi.next.plugins.WasmAccessValidator");
  EXPECT_TRUE(s0.enabled);
  EXPECT_FALSE(s0.debug);
  EXPECT_FALSE(s0.plugin_index.has_value());
  EXPECT_EQ(s0.json,
            js(R"({"enabled":true,"debug":false,"plugin":"cp:otoroshi.next.plugins.WasmAccessValidator",
                             "include":[],"exclude":[],"config":{},"bound_listeners":[]})"));
  const PluginSlot& s1 = r.plugins[1];
  EXPECT_FALSE(s1.enabled);
  EXPECT_TRUE(s1.debug);
  EXPECT_EQ(s1.include, std::vector<std::string>{"/a.*"});
  EXPECT_EQ(s1.exclude, std::vector<std::string>{"/b"});
  EXPECT_EQ(s1.config, js(R"({"k":1})"));
  EXPECT_EQ(s1.bound_listeners, std::vector<std::string>{"l1"});
  ASSERT_TRUE(s1.plugin_index.has_value());
  EXPECT_EQ(at(r.json, "/plugins/1/plugin_index"), js(R"({"validate_access":0})"));
}

TEST(ParseRoute, KeepsUnknownFieldsAtEveryLevel) {
  Route r = parse_ok(R"({"id":"r1","name":"R","x_top":{"a":[1,2]},
      "_loc":{"tenant":"t","x_loc":1},
      "frontend":{"domains":["a.com"],"x_front":"f"},
      "backend":{"x_back":true,"targets":[{"hostname":"h","x_target":null,"tls_config":{"x_tls":2},
                                           "predicate":{"type":"GeolocationMatch","positions":[]}}],
                 "client":{"x_client":3,"custom_timeouts":[{"x_ct":4}],"cache_connection_settings":{"x_c":5}},
                 "load_balancing":{"type":"Sticky","x_lb":6}},
      "plugins":[{"plugin":"p","x_slot":7}]})");
  const json::object& j = r.json;
  EXPECT_EQ(at(j, "/x_top"), js(R"({"a":[1,2]})"));
  EXPECT_EQ(at(j, "/_loc/x_loc"), 1);
  EXPECT_EQ(at(j, "/_loc/tenant"), "t");
  EXPECT_EQ(at(j, "/frontend/x_front"), "f");
  EXPECT_EQ(at(j, "/backend/x_back"), true);
  EXPECT_TRUE(at(j, "/backend/targets/0/x_target").is_null());
  EXPECT_EQ(at(j, "/backend/targets/0/tls_config/x_tls"), 2);
  EXPECT_EQ(at(j, "/backend/targets/0/predicate"), js(R"({"type":"GeolocationMatch","positions":[]})"));
  EXPECT_EQ(at(j, "/backend/client/x_client"), 3);
  EXPECT_EQ(at(j, "/backend/client/custom_timeouts/0/x_ct"), 4);
  EXPECT_EQ(at(j, "/backend/client/custom_timeouts/0/path"), "*");
  EXPECT_EQ(at(j, "/backend/client/cache_connection_settings/x_c"), 5);
  EXPECT_EQ(at(j, "/backend/load_balancing"), js(R"({"type":"Sticky","x_lb":6})"));
  EXPECT_EQ(r.backend.load_balancing, "Sticky");
  EXPECT_EQ(at(j, "/plugins/0/x_slot"), 7);
}

TEST(ParseRoute, NormalizationIsIdempotent) {
  const char* inputs[] = {
      R"({"id":"r1","name":"R"})",
      R"({"id":"r1","name":"R","frontend":{"domain":"a.com"},"x":1,
          "backend":{"targets":[{"hostname":"h","tls":true,"tls_config":{"certId":"c"}}]},
          "plugins":[{"plugin":"p","config":{"functionName":""}}]})",
  };
  for (const char* in : inputs) {
    Route once = parse_ok(in);
    Route twice = parse_ok(json::serialize(once.json));
    EXPECT_EQ(once.json, twice.json) << in;
  }
}

TEST(ParseRoute, AcceptsIntegralDoublesAsIntegers) {
  Route r = parse_ok(R"({"id":"r1","name":"R","backend":{"targets":[{"hostname":"h","port":8080.0}]}})");
  EXPECT_EQ(r.backend.targets[0].port, 8080);
  EXPECT_TRUE(at(r.json, "/backend/targets/0/port").is_int64());
}

TEST(ParseRoute, ErrorsNameMissingRequiredFields) {
  EXPECT_EQ(error_of(R"({"name":"R"})"), "id: required");
  EXPECT_EQ(error_of(R"({"id":"r1"})"), "name: required");
  EXPECT_EQ(error_of(R"({"id":"","name":"R"})"), "id: must not be empty");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","backend":{"targets":[{"port":80}]}})"),
            "backend.targets[0].hostname: required");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","plugins":[{"enabled":true}]})"), "plugins[0].plugin: required");
}

TEST(ParseRoute, ErrorsNameFieldsOfTheWrongType) {
  EXPECT_EQ(error_of(R"([1])"), "route: must be an object");
  EXPECT_EQ(error_of(R"({"id":1,"name":"R"})"), "id: must be a string");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","enabled":"yes"})"), "enabled: must be a boolean");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","frontend":{"domains":["a.com",2]}})"),
            "frontend.domains[1]: must be a string");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","frontend":"a.com"})"), "frontend: must be an object");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","metadata":{"a":1}})"), "metadata.a: must be a string");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","frontend":{"headers":{"X":true}}})"),
            "frontend.headers.X: must be a string");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","backend":{"targets":[{"hostname":"h","port":"80"}]}})"),
            "backend.targets[0].port: must be an integer");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","backend":{"targets":[{"hostname":"h","port":80.5}]}})"),
            "backend.targets[0].port: must be an integer");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","backend":{"client":{"call_timeout":-1}}})"),
            "backend.client.call_timeout: must be >= 0");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","plugins":{}})"), "plugins: must be an array");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","plugins":[{"plugin":"p","config":[]}]})"),
            "plugins[0].config: must be an object");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","_loc":{"teams":[1]}})"),
            "_loc.teams[0]: must be a string or an object");
}

TEST(ParseRoute, RejectsBadTargetValues) {
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","backend":{"targets":[{"hostname":"h","weight":0}]}})"),
            "backend.targets[0].weight: must be between 1 and 2147483647");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","backend":{"targets":[{"hostname":"h","port":70000}]}})"),
            "backend.targets[0].port: must be between 1 and 65535");
  EXPECT_EQ(error_of(R"({"id":"r","name":"R","backend":{"targets":[{"hostname":"h","port":1e20}]}})"),
            "backend.targets[0].port: must be between 1 and 65535");
  EXPECT_EQ(
      error_of(
          R"({"id":"r","name":"R","backend":{"targets":[{"hostname":"h","port":18446744073709551615}]}})"),
      "backend.targets[0].port: must be between 1 and 65535");
}

TEST(ParseRoute, RejectsDomainsWithAScheme) {
  const std::string message = error_of(R"({"id":"r","name":"R","frontend":{"domains":["http://a.com"]}})");
  EXPECT_EQ(message.rfind("frontend.domains[0]: must be 'host' or 'host/path' without a scheme", 0), 0u)
      << message;
}

TEST(ParseRoute, NullReadsAsTheDefault) {
  Route r = parse_ok(R"({"id":"r","name":"R","enabled":null,"frontend":null,"plugins":null,"groups":null})");
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(at(r.json, "/enabled"), true);
  EXPECT_EQ(at(r.json, "/groups"), js(R"(["default"])"));
  EXPECT_EQ(at(r.json, "/plugins"), json::array{});
}

TEST(RouteTemplate, IsAValidRouteWithAGeneratedId) {
  json::object t = route_template();
  Result<Route> r = parse_route(t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id.rfind("route_", 0), 0u);
  EXPECT_EQ(r->id.size(), std::string("route_").size() + 36);
  EXPECT_EQ(r->name, "New route");
  ASSERT_EQ(r->frontend.domains.size(), 1u);
  EXPECT_EQ(r->frontend.domains[0].host, "new-route.oto.tools");
  ASSERT_EQ(r->backend.targets.size(), 1u);
  EXPECT_EQ(r->backend.targets[0].hostname, "request.otoroshi.io");
  EXPECT_EQ(r->backend.targets[0].port, 443);
  EXPECT_TRUE(r->backend.targets[0].tls);
  EXPECT_EQ(r->json, t);  // already normalized
  EXPECT_NE(route_template().at("id"), t.at("id"));
}

}  // namespace
}  // namespace wasmgate::model
