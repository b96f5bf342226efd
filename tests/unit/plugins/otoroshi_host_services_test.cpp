// The plugins side of Otoroshi's host functions: GatewayHostServices (state, config), the request attrs a
// call sees (PluginRuntime::call's attrs, RequestAttrs) and how a bound plugin's config links them.
#include "plugins/otoroshi_host_services.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "plugins/plugin_runtime.h"
#include "plugins/request_attrs.h"
#include "wasm/engine/v8/v8_engine.h"

#ifndef WASMGATE_EXTISM_FIXTURES_DIR
#error "WASMGATE_EXTISM_FIXTURES_DIR must point at the built Extism fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;

BoundPlugin bound(json::object config, std::string name = "route_attrs/plugins[0]") {
  auto parsed = model::parse_wasm_config(config);
  EXPECT_TRUE(parsed.ok()) << (parsed ? "" : parsed.error().message);
  auto binding = bind_plugin(*parsed, WasmPluginKind::AccessValidator, PluginLookup{}, std::move(name));
  EXPECT_TRUE(binding.ok()) << (binding ? "" : binding.error().message);
  return binding ? *binding : BoundPlugin{};
}

json::object file_config(std::string_view fixture) {
  const std::string path = std::string(WASMGATE_EXTISM_FIXTURES_DIR) + "/" + std::string(fixture) + ".wasm";
  return json::object{{"source", json::object{{"kind", "File"}, {"path", path}, {"opts", json::object{}}}}};
}

model::RoutePtr route(std::string id) {
  auto r = std::make_shared<model::Route>();
  r->id = id;
  r->json = json::object{{"id", id}, {"name", "route " + id}};
  return r;
}

TEST(GatewayHostServices, StateHasEveryListAndTheGatewaysEntities) {
  HostServicesOptions options;
  options.entities = [] {
    EntitiesView view;
    view.routes = {route("r1"), route("r2")};
    return view;
  };
  GatewayHostServices services(std::move(options));
  const json::object state = services.state();
  EXPECT_EQ(state.size(), std::size(kStateEntityNames));
  EXPECT_EQ(state.at("routes").as_array().size(), 2u);
  EXPECT_EQ(state.at("raw_routes").as_array().size(), 2u);
  EXPECT_TRUE(state.at("apikeys").as_array().empty());
  EXPECT_TRUE(state.at("wasmPlugins").as_array().empty());

  EXPECT_EQ(services.state_value("routes", std::string_view("r2"))->at("name"), "route r2");
  EXPECT_TRUE(services.state_value("routes", std::string_view("nope"))->is_null());
  EXPECT_EQ(services.state_value("routes", std::nullopt)->as_array().size(), 2u);
  EXPECT_TRUE(services.state_value("apikeys", std::nullopt)->as_array().empty());
  EXPECT_TRUE(services.state_value("apikeys", std::string_view("k"))->is_null());
  EXPECT_FALSE(services.state_value("notAnEntity", std::nullopt));
  EXPECT_EQ(services.global_config(), model::default_global_config());  // no snapshot global config
}

TEST(RequestAttrs, FollowsTheOutputsAttrsRules) {
  json::object attrs{{"otoroshi.core.SnowFlake", "1"}, {"otoroshi.core.ElCtx", json::object{{"a", "b"}}}};
  RequestAttrs view(attrs);
  EXPECT_TRUE(view.set("otoroshi.plugins.ExtraAnalyticsData", json::value(42)));
  EXPECT_FALSE(view.set("otoroshi.next.core.ResponseAddHeaders", json::value("not an object of strings")));
  EXPECT_FALSE(view.set("my.own.key", json::value(1)));
  EXPECT_EQ(attrs.at("otoroshi.plugins.ExtraAnalyticsData"), 42);
  EXPECT_TRUE(view.del("ElCtx"));
  EXPECT_FALSE(view.del("ElCtx"));
  EXPECT_EQ(attrs.size(), 2u);
  view.clear();
  EXPECT_TRUE(attrs.empty());
}

TEST(OtoroshiHostFunctionsLink, HttpWasmVmsDoNotGetThem) {
  wasm::VmSpec spec;
  json::object config = file_config("otoroshi_attrs");
  add_otoroshi_host_functions(spec, bound(config), default_host_services());
  EXPECT_EQ(spec.import_hooks.size(), 1u);
  config["httpWasm"] = true;
  wasm::VmSpec http_wasm;
  add_otoroshi_host_functions(http_wasm, bound(config), default_host_services());
  EXPECT_TRUE(http_wasm.import_hooks.empty());
}

TEST(OtoroshiHostFunctionsLink, ACallSeesAndChangesTheRequestAttrs) {
  static std::unique_ptr<engine::Engine> engine = engine::create_v8_engine();
  PluginRuntimeOptions options;
  options.blocking_threads = 1;
  PluginRuntime runtime(*engine, options);
  const BoundPlugin plugin = bound(file_config("otoroshi_attrs"));

  json::object attrs{{"otoroshi.core.SnowFlake", "1234567"}};
  auto out = runtime.call(plugin, "access", "{}", &attrs);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, R"({"result":true})");
  EXPECT_EQ(json::serialize(attrs.at("otoroshi.next.core.ResponseAddHeaders")),
            R"({"x-from-host-fn":"yes"})");

  // Outside a request (a job) the attrs are empty: the fixture finds no snowflake.
  out = runtime.call(plugin, "access", "{}");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_NE(out->find("no snowflake attr"), std::string::npos) << *out;
}

}  // namespace
}  // namespace wasmgate::plugins
