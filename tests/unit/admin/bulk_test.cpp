// /_bulk with ND-JSON bodies: per-line reports, valid lines applied together, invalid ones reported only.
#include <gtest/gtest.h>

#include "admin_test_support.h"

namespace wasmgate::admin {
namespace {

using testing::AdminApiTest;
using testing::kPlugins;
using testing::kRoutes;
namespace json = boost::json;

class BulkTest : public AdminApiTest {
 protected:
  HttpResponse bulk(const std::string& method, const std::string& base, const std::string& body) {
    return call(method, base + "/_bulk", body, {{"Content-Type", "application/x-ndjson"}});
  }
};

TEST_F(BulkTest, CreateReportsEachLineAndAppliesOnlyTheValidOnes) {
  ASSERT_EQ(call("POST", kPlugins, plugin_json("wasm-plugin_taken")).status, 201);
  changes_ = 0;
  std::string body = plugin_json("wasm-plugin_1") + "\n" +                         // ok
                     R"({"id":"wasm-plugin_2","name":"no description"})" + "\n" +  // 400
                     "\n" +                                                        // blank: skipped
                     "{not json\n" +                                               // 400
                     plugin_json("wasm-plugin_taken") + "\n" +                     // 409
                     R"({"name":"generated","description":"d"})" + "\n" +          // ok, generated id
                     plugin_json("wasm-plugin_1");                                 // 409 (line 1)
  HttpResponse r = bulk("POST", kPlugins, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "Content-Type"), "application/x-ndjson");
  auto lines = ndjson_lines(r);
  ASSERT_EQ(lines.size(), 6u) << r.body;
  EXPECT_EQ(lines[0], json::parse(R"({"status":201,"created":true,"id":"wasm-plugin_1","id_field":"id"})"));
  EXPECT_EQ(lines[1].at("status"), 400);
  EXPECT_NE(std::string(lines[1].at("error_description").as_string()).find("description"), std::string::npos);
  EXPECT_EQ(lines[1].at("line"), 2);
  EXPECT_EQ(lines[2].at("status"), 400);
  EXPECT_EQ(lines[2].at("line"), 4);
  EXPECT_EQ(lines[3].at("status"), 409);
  EXPECT_EQ(lines[4].at("status"), 201);
  EXPECT_TRUE(std::string(lines[4].at("id").as_string()).starts_with("wasm-plugin_"));
  EXPECT_EQ(lines[5].at("status"), 409);

  EXPECT_EQ(stored("wasm-plugins"), 3u);  // taken + 1 + generated
  EXPECT_EQ(changes_, 1) << "one notification for the whole batch";
}

TEST_F(BulkTest, UpdatePatchAndDeleteSeeEarlierLines) {
  ASSERT_EQ(call("POST", kRoutes, route_json("route_a")).status, 201);
  ASSERT_EQ(call("POST", kRoutes, route_json("route_b")).status, 201);
  changes_ = 0;

  HttpResponse put =
      bulk("PUT", kRoutes, route_json("route_a", "put.oto.tools") + "\n" + route_json("route_zz"));
  auto put_lines = ndjson_lines(put);
  ASSERT_EQ(put_lines.size(), 2u);
  EXPECT_EQ(put_lines[0], json::parse(R"({"status":200,"updated":true,"id":"route_a","id_field":"id"})"));
  EXPECT_EQ(put_lines[1].at("status"), 404);
  EXPECT_EQ(stored("routes"), 2u);

  HttpResponse patch = bulk("PATCH", kRoutes,
                            R"({"id":"route_a","patch":[{"op":"replace","path":"/name","value":"patched"}]})"
                            "\n"
                            R"({"id":"route_a","patch":{"description":"merged"}})"
                            "\n"
                            R"({"id":"route_b","patch":[{"op":"remove","path":"/name"}]})");
  auto patch_lines = ndjson_lines(patch);
  ASSERT_EQ(patch_lines.size(), 3u) << patch.body;
  EXPECT_EQ(patch_lines[0].at("status"), 200);
  EXPECT_EQ(patch_lines[1].at("status"), 200);
  EXPECT_EQ(patch_lines[2].at("status"), 400) << "a route needs a name";
  auto a = store_->get("routes", "route_a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->at("name"), "patched") << "the second line patched the first line's result";
  EXPECT_EQ((*a)->at("description"), "merged");

  HttpResponse del = bulk("DELETE", kRoutes,
                          R"({"id":"route_b"})"
                          "\n"
                          R"({"id":"route_b"})");
  auto del_lines = ndjson_lines(del);
  ASSERT_EQ(del_lines.size(), 2u);
  EXPECT_EQ(del_lines[0], json::parse(R"({"status":200,"deleted":true,"id":"route_b","id_field":"id"})"));
  EXPECT_EQ(del_lines[1].at("status"), 404) << "already deleted by line 1";
  EXPECT_EQ(stored("routes"), 1u);
  EXPECT_EQ(changes_, 3);
}

TEST_F(BulkTest, AllInvalidLinesWriteNothingAndDoNotNotify) {
  HttpResponse r = bulk("POST", kPlugins,
                        R"({"id":"x"})"
                        "\n"
                        R"([1,2])");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ndjson_lines(r).size(), 2u);
  EXPECT_EQ(stored("wasm-plugins"), 0u);
  EXPECT_EQ(changes_, 0);
}

TEST_F(BulkTest, NeedsTheNdjsonContentType) {
  HttpResponse r = call("POST", std::string(kPlugins) + "/_bulk", plugin_json("wasm-plugin_1"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r).find("application/x-ndjson"), std::string::npos);
  EXPECT_EQ(stored("wasm-plugins"), 0u);
}

TEST_F(BulkTest, LegacyRoutesBulkWorks) {
  HttpResponse r = bulk("POST", "/api/routes", route_json("route_l"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ndjson_lines(r)[0].at("status"), 201);
  EXPECT_EQ(stored("routes"), 1u);
}

}  // namespace
}  // namespace wasmgate::admin
