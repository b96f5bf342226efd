// The global config on /api/globalconfig and /apis/config.otoroshi.io/v1/global-configs.
#include <gtest/gtest.h>

#include "admin_test_support.h"
#include "model/entity_types.h"
#include "model/global_config.h"

namespace wasmgate::admin {
namespace {

using testing::AdminApiTest;
namespace json = boost::json;

constexpr const char* kGlobal = "/apis/config.otoroshi.io/v1/global-configs";

class GlobalConfigTest : public AdminApiTest {};

TEST_F(GlobalConfigTest, ReadsTheDefaultsBeforeAnyWrite) {
  HttpResponse r = call("GET", "/api/globalconfig");
  ASSERT_EQ(r.status, 200);
  auto defaults = model::parse_global_config(json::value(model::default_global_config()));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(body(r), json::value(defaults->json));
  EXPECT_EQ(stored(model::kGlobalConfigKind), 0u) << "reading does not write";
}

TEST_F(GlobalConfigTest, GenericApiServesTheSingleObjectAlsoUnderItsId) {
  HttpResponse single = call("GET", kGlobal);
  ASSERT_EQ(single.status, 200);
  EXPECT_EQ(body(single).at("kind"), "config.otoroshi.io/GlobalConfig");
  EXPECT_TRUE(body(single).as_object().contains("plugins"));
  EXPECT_EQ(body(call("GET", std::string(kGlobal) + "/global")), body(single));
  EXPECT_EQ(call("GET", std::string(kGlobal) + "/other").status, 404);
  EXPECT_EQ(body(call("GET", std::string(kGlobal) + "/_count")), json::parse(R"({"count":1})"));
  EXPECT_EQ(call("POST", kGlobal, "{}").status, 405);
  EXPECT_EQ(call("DELETE", kGlobal).status, 405);
}

TEST_F(GlobalConfigTest, PutReplacesAndKeepsUnknownFields) {
  json::object doc = model::default_global_config();
  doc["customField"] = "kept";
  HttpResponse r = call("PUT", "/api/globalconfig", json::serialize(doc));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(call("GET", "/api/globalconfig")).at("customField"), "kept");
  EXPECT_EQ(body(call("GET", kGlobal)).at("customField"), "kept") << "one document behind both paths";
  EXPECT_EQ(changes_, 1);
}

TEST_F(GlobalConfigTest, InvalidPutIs400AndStoresNothing) {
  HttpResponse r = call("PUT", "/api/globalconfig", R"({"apiReadOnly":"yes"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r).find("apiReadOnly"), std::string::npos) << error_of(r);
  EXPECT_EQ(stored(model::kGlobalConfigKind), 0u);
  EXPECT_EQ(call("PUT", "/api/globalconfig", "[]").status, 400);
  EXPECT_EQ(changes_, 0);
}

TEST_F(GlobalConfigTest, PatchMergesIntoTheCurrentDocument) {
  HttpResponse merge = call("PATCH", "/api/globalconfig", R"({"plugins":{"config":{"ng":[
      {"plugin":"cp:otoroshi.next.plugins.WasmRouter","config":{}}]}}})");
  ASSERT_EQ(merge.status, 200) << merge.body;
  HttpResponse json_patch = call("PATCH", std::string(kGlobal) + "/global",
                                 R"([{"op":"replace","path":"/plugins/enabled","value":true}])");
  ASSERT_EQ(json_patch.status, 200) << json_patch.body;
  json::value doc = body(call("GET", "/api/globalconfig"));
  EXPECT_EQ(doc.at("plugins").at("enabled"), true);
  EXPECT_EQ(doc.at("plugins").at("config").at("ng").as_array().size(), 1u);
  EXPECT_EQ(changes_, 2);
}

TEST_F(GlobalConfigTest, ReadOnlyApiRefusesEntityWritesButNotTheWayBack) {
  ASSERT_EQ(call("PATCH", "/api/globalconfig", R"({"apiReadOnly":true})").status, 200);
  HttpResponse refused = call("POST", testing::kPlugins, plugin_json("wasm-plugin_a"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(error_of(refused).find("apiReadOnly"), std::string::npos);
  EXPECT_EQ(call("GET", testing::kPlugins).status, 200);
  EXPECT_EQ(stored("wasm-plugins"), 0u);
  ASSERT_EQ(call("PATCH", "/api/globalconfig", R"({"apiReadOnly":false})").status, 200);
  EXPECT_EQ(call("POST", testing::kPlugins, plugin_json("wasm-plugin_a")).status, 201);
}

}  // namespace
}  // namespace wasmgate::admin
