#include "plugins/plugin_binding.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <map>
#include <string>
#include <string_view>

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;

// A WasmConfig as the admin API would store it (defaults filled in, json normalized).
model::WasmConfig config_of(std::string_view text) {
  auto config = model::parse_wasm_config(json::parse(text));
  if (!config) {
    ADD_FAILURE() << "bad test config " << text << ": " << config.error().message;
    return {};
  }
  return *config;
}

std::string local_to(std::string_view id, std::string_view extra = "") {
  return fmt::format(R"({{"source":{{"kind":"Local","path":"{}","opts":{{}}}}{}}})", id, extra);
}

std::string base64_source(std::string_view extra = "") {
  return fmt::format(R"({{"source":{{"kind":"Base64","path":"AGFzbQEAAAA=","opts":{{}}}}{}}})", extra);
}

// WasmPlugin entities by id, as the proxy state would hold them.
class Entities {
 public:
  model::WasmPlugin& add(const std::string& id, std::string_view config_json) {
    model::WasmPlugin& p = plugins_[id];
    p.id = id;
    p.name = "plugin " + id;
    p.config = config_of(config_json);
    return p;
  }
  PluginLookup lookup() const {
    return [this](std::string_view id) -> const model::WasmPlugin* {
      auto it = plugins_.find(id);
      return it == plugins_.end() ? nullptr : &it->second;
    };
  }

 private:
  std::map<std::string, model::WasmPlugin, std::less<>> plugins_;
};

Result<BoundPlugin> bind_slot(std::string_view slot_json, const Entities& entities,
                              WasmPluginKind kind = WasmPluginKind::AccessValidator,
                              std::string slot_name = "route_x/plugins[0]") {
  return bind_plugin(config_of(slot_json), kind, entities.lookup(), std::move(slot_name));
}

// ---- inline configs
// ------------------------------------------------------------------------------------------

TEST(BindPlugin, InlineConfigRunsAsIsUnderTheSlotName) {
  const Entities none;
  auto bound = bind_slot(base64_source(R"(,"memoryPages":20,"instances":3,"functionName":"execute")"), none,
                         WasmPluginKind::AccessValidator, "route_x/plugins[2]");
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->plugin_id, "route_x/plugins[2]");
  EXPECT_EQ(bound->config.source.kind, model::WasmSourceKind::Base64);
  EXPECT_EQ(bound->config.source.path, "AGFzbQEAAAA=");
  EXPECT_EQ(bound->config.memory_pages, 20);
  EXPECT_EQ(bound->config.instances, 3);
  EXPECT_EQ(bound->function, "execute");
  EXPECT_FALSE(bound->pool_key.empty());
}

TEST(BindPlugin, InlineConfigNeedsNoLookup) {
  auto bound =
      bind_plugin(config_of(base64_source()), WasmPluginKind::PreRoute, PluginLookup{}, "r/plugins[0]");
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->function, "pre_route");
}

TEST(BindPlugin, InlineConfigWithoutFunctionNameUsesTheStepDefault) {
  const Entities none;
  for (auto [kind, expected] : {std::pair{WasmPluginKind::AccessValidator, "access"},
                                std::pair{WasmPluginKind::RequestTransformer, "transform_request"},
                                std::pair{WasmPluginKind::ResponseTransformer, "transform_response"},
                                std::pair{WasmPluginKind::Backend, "call_backend"},
                                std::pair{WasmPluginKind::RouteMatcher, "matches_route"}}) {
    auto bound = bind_slot(base64_source(), none, kind);
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    EXPECT_EQ(bound->function, expected) << wasm_plugin_class(kind);
  }
}

TEST(BindPlugin, EmptyFunctionNameCountsAsNone) {
  const Entities none;
  auto bound = bind_slot(base64_source(R"(,"functionName":"")"), none, WasmPluginKind::AccessValidator);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->function, "access");
}

// ---- Local sources
// -------------------------------------------------------------------------------------------

TEST(BindPlugin, LocalSourceRunsTheEntityConfigInsteadOfTheSlots) {
  Entities entities;
  entities.add("wasm-plugin_1", base64_source(R"(,"memoryPages":30,"instances":2,"wasi":true)"));
  // Everything but functionName in a Local slot is ignored (§2.2).
  auto bound = bind_slot(
      local_to("wasm-plugin_1", R"(,"memoryPages":20,"instances":7,"allowedHosts":["x.com"])"), entities);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->plugin_id, "wasm-plugin_1");
  EXPECT_EQ(bound->config.source.kind, model::WasmSourceKind::Base64);
  EXPECT_EQ(bound->config.memory_pages, 30);
  EXPECT_EQ(bound->config.instances, 2);
  EXPECT_TRUE(bound->config.wasi);
  EXPECT_TRUE(bound->config.allowed_hosts.empty());
  EXPECT_EQ(bound->config.json,
            config_of(base64_source(R"(,"memoryPages":30,"instances":2,"wasi":true)")).json);
}

TEST(BindPlugin, LegacyLocalAndEntityRawSourcesReferenceTheEntity) {
  Entities entities;
  entities.add("wasm-plugin_1", base64_source(R"(,"memoryPages":30)"));
  for (std::string_view raw : {"local://wasm-plugin_1", "entity://wasm-plugin_1"}) {
    auto bound = bind_slot(fmt::format(R"({{"raw_source":"{}"}})", raw), entities);
    ASSERT_TRUE(bound.ok()) << raw << ": " << bound.error().message;
    EXPECT_EQ(bound->plugin_id, "wasm-plugin_1") << raw;
    EXPECT_EQ(bound->config.memory_pages, 30) << raw;
  }
}

TEST(BindPlugin, SlotFunctionNameWinsOverTheEntitys) {
  Entities entities;
  entities.add("wp", base64_source(R"(,"functionName":"from_entity")"));
  auto bound = bind_slot(local_to("wp", R"(,"functionName":"from_slot")"), entities);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->function, "from_slot");
}

TEST(BindPlugin, EntityFunctionNameIsUsedWhenTheSlotHasNone) {
  Entities entities;
  entities.add("wp", base64_source(R"(,"functionName":"from_entity")"));
  auto bound = bind_slot(local_to("wp"), entities);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->function, "from_entity");
}

TEST(BindPlugin, StepDefaultIsUsedWhenNeitherSlotNorEntityNamesAFunction) {
  Entities entities;
  entities.add("wp", base64_source());
  auto bound = bind_slot(local_to("wp"), entities, WasmPluginKind::ResponseTransformer);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->function, "transform_response");
}

TEST(BindPlugin, LocalChainRunsTheLastEntityConfig) {
  Entities entities;
  entities.add("wp_a", local_to("wp_b", R"(,"memoryPages":11)"));
  entities.add("wp_b", local_to("wp_c", R"(,"memoryPages":12)"));
  entities.add("wp_c", base64_source(R"(,"memoryPages":13)"));
  auto bound = bind_slot(local_to("wp_a"), entities);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->plugin_id, "wp_c");
  EXPECT_EQ(bound->config.source.kind, model::WasmSourceKind::Base64);
  EXPECT_EQ(bound->config.memory_pages, 13);
}

TEST(BindPlugin, InALocalChainTheEntityTheSlotNamesGivesTheFunctionFirst) {
  Entities entities;
  entities.add("wp_a", local_to("wp_b", R"(,"functionName":"from_a")"));
  entities.add("wp_b", base64_source(R"(,"functionName":"from_b")"));
  auto bound = bind_slot(local_to("wp_a"), entities);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->function, "from_a");
}

TEST(BindPlugin, InALocalChainALaterEntityFunctionIsUsedWhenEarlierOnesHaveNone) {
  Entities entities;
  entities.add("wp_a", local_to("wp_b"));
  entities.add("wp_b", base64_source(R"(,"functionName":"from_b")"));
  auto bound = bind_slot(local_to("wp_a"), entities);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->function, "from_b");
}

TEST(BindPlugin, LocalCycleIsAnErrorNamingTheSlot) {
  Entities entities;
  entities.add("wp_a", local_to("wp_b"));
  entities.add("wp_b", local_to("wp_a"));
  auto bound = bind_slot(local_to("wp_a"), entities);
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.error().message.find("wp_a"), std::string::npos) << bound.error().message;
}

TEST(BindPlugin, EntityReferencingItselfIsAnError) {
  Entities entities;
  entities.add("wp_self", local_to("wp_self"));
  auto bound = bind_slot(local_to("wp_self"), entities);
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.error().message.find("wp_self"), std::string::npos) << bound.error().message;
}

TEST(BindPlugin, MissingEntityIsPluginNotFound) {
  const Entities none;
  auto bound = bind_slot(local_to("wasm-plugin_gone"), none);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, Errc::NotFound);
  EXPECT_EQ(bound.error().message, "plugin not found: wasm-plugin_gone");
}

TEST(BindPlugin, MissingEntityInsideAChainIsPluginNotFoundNamingIt) {
  Entities entities;
  entities.add("wp_a", local_to("wp_gone"));
  auto bound = bind_slot(local_to("wp_a"), entities);
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, Errc::NotFound);
  EXPECT_EQ(bound.error().message, "plugin not found: wp_gone");
}

TEST(BindPlugin, LocalSourceWithoutALookupIsPluginNotFound) {
  auto bound =
      bind_plugin(config_of(local_to("wp")), WasmPluginKind::AccessValidator, PluginLookup{}, "r/p[0]");
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, Errc::NotFound);
  EXPECT_EQ(bound.error().message, "plugin not found: wp");
}

// plugin_binding.cpp follows at most kMaxLocalDepth (8) Local hops.
constexpr int kChainLimit = 8;

// slot -> wp_1 -> ... -> wp_<hops>, the last one with a real source: `hops` Local hops.
Entities chain_of(int hops) {
  Entities entities;
  for (int i = 1; i < hops; ++i) entities.add(fmt::format("wp_{}", i), local_to(fmt::format("wp_{}", i + 1)));
  entities.add(fmt::format("wp_{}", hops), base64_source(R"(,"memoryPages":42)"));
  return entities;
}

TEST(BindPlugin, LocalChainUpToTheDepthLimitResolves) {
  const Entities entities = chain_of(kChainLimit);
  auto bound = bind_slot(local_to("wp_1"), entities);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(bound->plugin_id, fmt::format("wp_{}", kChainLimit));
  EXPECT_EQ(bound->config.memory_pages, 42);
}

TEST(BindPlugin, LocalChainPastTheDepthLimitIsAnError) {
  const Entities entities = chain_of(kChainLimit + 1);
  auto bound = bind_slot(local_to("wp_1"), entities);
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.error().code, Errc::NotFound);  // every entity exists: the chain is too long
}

// ---- pool keys
// -----------------------------------------------------------------------------------------------

TEST(BindPluginPoolKey, TwoSlotsReferencingOneEntityShareTheKey) {
  Entities entities;
  entities.add("wp", base64_source(R"(,"memoryPages":30)"));
  auto a = bind_slot(local_to("wp", R"(,"functionName":"one","memoryPages":5)"), entities,
                     WasmPluginKind::AccessValidator, "route_a/plugins[0]");
  auto b = bind_slot(local_to("wp"), entities, WasmPluginKind::RequestTransformer, "route_b/plugins[3]");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->pool_key, b->pool_key);
}

TEST(BindPluginPoolKey, ChangedEntityConfigGivesADifferentKey) {
  Entities before;
  before.add("wp", base64_source(R"(,"memoryPages":30)"));
  auto old_key = bind_slot(local_to("wp"), before)->pool_key;
  for (std::string_view changed :
       {R"(,"memoryPages":31)", R"(,"memoryPages":30,"instances":2)",
        R"(,"memoryPages":30,"config":{"k":"v"})", R"(,"memoryPages":30,"allowedHosts":["x.com"])"}) {
    Entities after;
    after.add("wp", base64_source(changed));
    auto bound = bind_slot(local_to("wp"), after);
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    EXPECT_NE(bound->pool_key, old_key) << changed;
  }
}

TEST(BindPluginPoolKey, ChangedModuleBytesGiveADifferentKey) {
  const Entities none;
  auto a = bind_slot(R"({"source":{"kind":"Base64","path":"AGFzbQEAAAA="}})", none);
  auto b = bind_slot(R"({"source":{"kind":"Base64","path":"AGFzbQEAAAB="}})", none);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->pool_key, b->pool_key);
}

TEST(BindPluginPoolKey, EntityFunctionNameDoesNotChangeTheKey) {
  Entities one, two;
  one.add("wp", base64_source(R"(,"functionName":"first")"));
  two.add("wp", base64_source(R"(,"functionName":"second")"));
  Entities three;
  three.add("wp", base64_source());
  auto a = bind_slot(local_to("wp"), one);
  auto b = bind_slot(local_to("wp"), two);
  auto c = bind_slot(local_to("wp"), three);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->function, "first");
  EXPECT_EQ(b->function, "second");
  EXPECT_EQ(a->pool_key, b->pool_key);
  EXPECT_EQ(a->pool_key, c->pool_key);
}

TEST(BindPluginPoolKey, InlineFunctionNameDoesNotChangeTheKey) {
  const Entities none;
  auto a = bind_slot(base64_source(R"(,"functionName":"first")"), none);
  auto b = bind_slot(base64_source(R"(,"functionName":"second")"), none);
  auto c = bind_slot(base64_source(), none);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->pool_key, b->pool_key);
  EXPECT_EQ(a->pool_key, c->pool_key);
}

}  // namespace
}  // namespace wasmgate::plugins
