// PATCH /:id with JSON Patch (RFC 6902) and merge patch (RFC 7386) on both entity kinds.
#include <gtest/gtest.h>

#include "admin_test_support.h"

namespace wasmgate::admin {
namespace {

using testing::AdminApiTest;
using testing::kPlugins;
using testing::kRoutes;
namespace json = boost::json;

class EntityPatchTest : public AdminApiTest {
 protected:
  void SetUp() override {
    AdminApiTest::SetUp();
    ASSERT_EQ(call("POST", kPlugins, plugin_json("wasm-plugin_p", "before")).status, 201);
    ASSERT_EQ(call("POST", kRoutes, route_json("route_p")).status, 201);
    changes_ = 0;
  }
  json::value stored_doc(std::string_view kind, std::string_view id) {
    auto got = store_->get(kind, id);
    EXPECT_TRUE(got.ok() && got->has_value());
    return got.ok() && got->has_value() ? json::value(**got) : json::value();
  }
  std::string plugin_path() const { return std::string(kPlugins) + "/wasm-plugin_p"; }
  std::string route_path() const { return std::string(kRoutes) + "/route_p"; }
};

TEST_F(EntityPatchTest, JsonPatchArrayUpdatesAPlugin) {
  HttpResponse r = call("PATCH", plugin_path(), R"([{"op":"replace","path":"/name","value":"after"},
                                                    {"op":"add","path":"/steps/-","value":"ValidateAccess"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r).at("name"), "after");
  EXPECT_EQ(stored_doc("wasm-plugins", "wasm-plugin_p").at("steps").at(0), "ValidateAccess");
  EXPECT_TRUE(body(r).at("metadata").as_object().contains("updated_at"));
  EXPECT_EQ(changes_, 1);
}

TEST_F(EntityPatchTest, MergePatchObjectUpdatesARoute) {
  HttpResponse r =
      call("PATCH", route_path(), R"({"frontend":{"domains":["merged.oto.tools"]},"enabled":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value doc = stored_doc("routes", "route_p");
  EXPECT_EQ(doc.at("frontend").at("domains").at(0), "merged.oto.tools");
  EXPECT_EQ(doc.at("enabled"), false);
  EXPECT_EQ(doc.at("backend").at("targets").at(0).at("hostname"), "localhost") << "untouched members stay";
  EXPECT_EQ(changes_, 1);
}

TEST_F(EntityPatchTest, ContentTypesPickThePatchFlavour) {
  HttpResponse wrong =
      call("PATCH", plugin_path(), R"({"name":"x"})", {{"Content-Type", "application/json-patch+json"}});
  EXPECT_EQ(wrong.status, 400);
  HttpResponse merge = call("PATCH", plugin_path(), R"({"description":"merged"})",
                            {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(merge.status, 200) << merge.body;
  EXPECT_EQ(body(merge).at("description"), "merged");
  EXPECT_EQ(changes_, 1);
}

TEST_F(EntityPatchTest, PatchThatBreaksTheEntityIs400AndStoresNothing) {
  json::value before = stored_doc("wasm-plugins", "wasm-plugin_p");
  HttpResponse r = call("PATCH", plugin_path(), R"([{"op":"remove","path":"/description"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r).find("description"), std::string::npos) << error_of(r);
  EXPECT_EQ(stored_doc("wasm-plugins", "wasm-plugin_p"), before);
  EXPECT_EQ(changes_, 0);
}

TEST_F(EntityPatchTest, FailingOperationIs400NamingIndexAndPath) {
  HttpResponse r = call("PATCH", route_path(), R"([{"op":"replace","path":"/name","value":"x"},
                                                   {"op":"remove","path":"/nope/deeper"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "patch[1]: path '/nope/deeper' does not exist");
  EXPECT_EQ(stored_doc("routes", "route_p").at("name"), "my route");
}

TEST_F(EntityPatchTest, ChangingTheIdIsRejected) {
  HttpResponse r = call("PATCH", plugin_path(), R"({"id":"wasm-plugin_other"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r).find("id"), std::string::npos);
  EXPECT_EQ(stored("wasm-plugins"), 1u);
  EXPECT_EQ(changes_, 0);
}

TEST_F(EntityPatchTest, PatchOnAMissingEntityIs404) {
  EXPECT_EQ(call("PATCH", std::string(kPlugins) + "/wasm-plugin_none", R"({"name":"x"})").status, 404);
}

TEST_F(EntityPatchTest, LegacyRoutesPatchToo) {
  HttpResponse r =
      call("PATCH", "/api/routes/route_p", R"([{"op":"replace","path":"/name","value":"legacy"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r).at("name"), "legacy");
  EXPECT_FALSE(body(r).as_object().contains("kind"));
}

}  // namespace
}  // namespace wasmgate::admin
