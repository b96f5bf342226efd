#include "model/entity_types.h"

#include <gtest/gtest.h>

#include "json_test_util.h"

namespace wasmgate::model {
namespace {

using testing::js;

TEST(EntityTypes, ListsRoutesAndWasmPlugins) {
  ASSERT_EQ(entity_types().size(), 2u);
  const EntityType* routes = find_entity_type("proxy.otoroshi.io", "routes");
  ASSERT_NE(routes, nullptr);
  EXPECT_EQ(routes->kind, "Route");
  EXPECT_EQ(routes->id_prefix, "route");
  EXPECT_EQ(routes->version, "v1");
  const EntityType* plugins = find_entity_type("plugins.otoroshi.io", "wasm-plugins");
  ASSERT_NE(plugins, nullptr);
  EXPECT_EQ(plugins->kind, "WasmPlugin");
  EXPECT_EQ(plugins->id_prefix, "wasm-plugin");
}

TEST(EntityTypes, UnknownGroupOrPluralIsNotFound) {
  EXPECT_EQ(find_entity_type("proxy.otoroshi.io", "wasm-plugins"), nullptr);
  EXPECT_EQ(find_entity_type("plugins.otoroshi.io", "routes"), nullptr);
  EXPECT_EQ(find_entity_type("x", "routes"), nullptr);
}

TEST(EntityTypes, NormalizeFillsDefaultsAndReportsErrors) {
  const EntityType* routes = find_entity_type("proxy.otoroshi.io", "routes");
  Result<boost::json::object> ok = routes->normalize(js(R"({"id":"r","name":"n"})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("enabled"), true);
  Result<boost::json::object> bad = routes->normalize(js(R"({"id":"r"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::BadRequest);
  EXPECT_EQ(bad.error().message, "name: required");
}

TEST(EntityTypes, TemplatesNormalizeToThemselves) {
  for (const EntityType& t : entity_types()) {
    boost::json::object doc = t.make_template();
    Result<boost::json::object> n = t.normalize(doc);
    ASSERT_TRUE(n.ok()) << t.plural << ": " << n.error().message;
    EXPECT_EQ(*n, doc) << t.plural;
    EXPECT_EQ(std::string(doc.at("id").as_string()).rfind(std::string(t.id_prefix) + "_", 0), 0u);
  }
}

}  // namespace
}  // namespace wasmgate::model
