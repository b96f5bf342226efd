#include "model/global_config.h"

#include <gtest/gtest.h>

#include "json_test_util.h"

namespace wasmgate::model {
namespace {

using testing::at;
using testing::js;
namespace json = boost::json;

TEST(ParseGlobalConfig, NullReadsAsTheDefaultDocument) {
  Result<GlobalConfig> g = parse_global_config(json::value(nullptr));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_FALSE(g->api_read_only);
  EXPECT_TRUE(g->ng_plugins.empty());
  EXPECT_EQ(g->json, default_global_config());
  EXPECT_TRUE(g->wasmo_settings.is_null());
}

TEST(ParseGlobalConfig, CompletesPluginsToOtoroshisShape) {
  Result<GlobalConfig> g = parse_global_config(js(R"({"otoroshiId":"x"})"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(at(g->json, "/plugins"), js(R"({"enabled":false,"refs":[],"config":{},"excluded":[]})"));
  EXPECT_EQ(at(g->json, "/apiReadOnly"), false);
  EXPECT_TRUE(at(g->json, "/wasmoSettings").is_null());
  EXPECT_EQ(at(g->json, "/otoroshiId"), "x");
}

TEST(ParseGlobalConfig, ParsesNgSlotsLikeRouteSlots) {
  Result<GlobalConfig> g = parse_global_config(js(R"({"apiReadOnly":true,"plugins":{"enabled":true,"config":{
      "ng":[{"plugin":"cp:otoroshi.next.plugins.WasmJob","config":{"unique_id":"1"}}],
      "wasm-vm-pool-cleaner-config":{"not-used-duration":1000}}}})"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_TRUE(g->api_read_only);
  ASSERT_EQ(g->ng_plugins.size(), 1u);
  EXPECT_EQ(g->ng_plugins[0].plugin, "cp:otoroshi.next.plugins.WasmJob");
  EXPECT_TRUE(g->ng_plugins[0].enabled);
  EXPECT_EQ(at(g->json, "/plugins/config/ng/0/enabled"), true);  // defaults written back
  EXPECT_EQ(at(g->json, "/plugins/config/wasm-vm-pool-cleaner-config/not-used-duration"), 1000);
  EXPECT_EQ(at(g->json, "/plugins/enabled"), true);
  EXPECT_EQ(json::value(g->plugins_config).at_pointer("/ng/0/config/unique_id"), "1");
}

TEST(ParseGlobalConfig, KeepsWasmoSettingsAndKeyOrder) {
  Result<GlobalConfig> g =
      parse_global_config(js(R"({"b":1,"wasmoSettings":{"settings":{"url":"http://w"}},"a":2})"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->wasmo_settings, js(R"({"settings":{"url":"http://w"}})"));
  std::vector<std::string> keys;
  for (const auto& kv : g->json) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "wasmoSettings", "a", "apiReadOnly", "plugins"}));
}

TEST(ParseGlobalConfig, ErrorsNameTheField) {
  auto error_of = [](std::string_view text) {
    Result<GlobalConfig> g = parse_global_config(js(text));
    EXPECT_FALSE(g.ok()) << text;
    return g.ok() ? std::string() : g.error().message;
  };
  EXPECT_EQ(error_of("[]"), "global config: must be an object");
  EXPECT_EQ(error_of(R"({"apiReadOnly":"no"})"), "apiReadOnly: must be a boolean");
  EXPECT_EQ(error_of(R"({"plugins":{"refs":[1]}})"), "plugins.refs[0]: must be a string");
  EXPECT_EQ(error_of(R"({"plugins":{"config":{"ng":[{"enabled":true}]}}})"),
            "plugins.config.ng[0].plugin: required");
  EXPECT_EQ(error_of(R"({"plugins":{"config":{"ng":{}}}})"), "plugins.config.ng: must be an array");
  EXPECT_EQ(error_of(R"({"wasmoSettings":"x"})"), "wasmoSettings: must be an object");
}

TEST(ParseGlobalConfig, NormalizationIsIdempotent) {
  Result<GlobalConfig> once =
      parse_global_config(js(R"({"plugins":{"config":{"ng":[{"plugin":"p"}]}},"x":1})"));
  ASSERT_TRUE(once.ok());
  Result<GlobalConfig> twice = parse_global_config(js(json::serialize(once->json)));
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(once->json, twice->json);
}

}  // namespace
}  // namespace wasmgate::model
