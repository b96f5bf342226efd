// CRUD on /apis/<group>/v1/<plural> for both entity kinds, and the legacy /api/routes family.
#include <gtest/gtest.h>

#include "admin_test_support.h"

namespace wasmgate::admin {
namespace {

using testing::AdminApiTest;
using testing::kPlugins;
using testing::kRoutes;
namespace json = boost::json;

class EntityCrudTest : public AdminApiTest {};

std::string str(const json::value& v, std::string_view key) {
  const json::value* m = v.as_object().if_contains(key);
  return m && m->is_string() ? std::string(m->get_string()) : std::string();
}

const json::object& metadata(const json::value& v) {
  return v.as_object().at("metadata").as_object();
}

TEST_F(EntityCrudTest, CreatesAWasmPluginAndReadsItBack) {
  HttpResponse created = call("POST", kPlugins, plugin_json("wasm-plugin_a"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(header(created, "Content-Type"), "application/json");
  json::value doc = body(created);
  EXPECT_EQ(str(doc, "id"), "wasm-plugin_a");
  EXPECT_EQ(str(doc, "kind"), "plugins.otoroshi.io/WasmPlugin");
  EXPECT_TRUE(doc.as_object().contains("config")) << "defaults are filled in";
  EXPECT_TRUE(metadata(doc).contains("created_at"));
  EXPECT_EQ(changes_, 1);

  HttpResponse read = call("GET", std::string(kPlugins) + "/wasm-plugin_a");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(body(read), doc);

  auto stored_doc = store_->get("wasm-plugins", "wasm-plugin_a");
  ASSERT_TRUE(stored_doc.ok() && stored_doc->has_value());
  EXPECT_FALSE((*stored_doc)->contains("kind")) << "kind is added to answers, never stored";
}

TEST_F(EntityCrudTest, CreateWithoutIdGeneratesOneWithTheKindPrefix) {
  HttpResponse plugin = call("POST", kPlugins, R"({"name":"n","description":"d"})");
  ASSERT_EQ(plugin.status, 201) << plugin.body;
  EXPECT_TRUE(str(body(plugin), "id").starts_with("wasm-plugin_"));
  HttpResponse route = call("POST", kRoutes, R"({"id":"","name":"r","frontend":{"domains":["x.oto.tools"]},
      "backend":{"targets":[{"hostname":"localhost","port":1}]}})");
  ASSERT_EQ(route.status, 201) << route.body;
  EXPECT_TRUE(str(body(route), "id").starts_with("route_"));
  EXPECT_EQ(stored("wasm-plugins"), 1u);
  EXPECT_EQ(stored("routes"), 1u);
}

TEST_F(EntityCrudTest, CreatingAnExistingIdIs409NamingTheIdAndKeepsTheOriginal) {
  ASSERT_EQ(call("POST", kPlugins, plugin_json("wasm-plugin_a", "first")).status, 201);
  HttpResponse again = call("POST", kPlugins, plugin_json("wasm-plugin_a", "second"));
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(error_of(again).find("already exists"), std::string::npos);
  EXPECT_NE(error_of(again).find("wasm-plugin_a"), std::string::npos);
  EXPECT_EQ(str(body(call("GET", std::string(kPlugins) + "/wasm-plugin_a")), "name"), "first");
  EXPECT_EQ(changes_, 1);
}

struct BadBody {
  const char* name;
  const char* body;
  const char* field;  // the error must name it
};

class BadPluginBodies : public AdminApiTest, public ::testing::WithParamInterface<BadBody> {};

TEST_P(BadPluginBodies, Are400NamingTheFieldAndStoreNothing) {
  HttpResponse r = call("POST", kPlugins, GetParam().body);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(error_of(r).find(GetParam().field), std::string::npos) << error_of(r);
  EXPECT_EQ(stored("wasm-plugins"), 0u);
  EXPECT_EQ(changes_, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Admin, BadPluginBodies,
    ::testing::Values(
        BadBody{"MissingDescription", R"({"id":"wasm-plugin_a","name":"n"})", "description"},
        BadBody{"MissingName", R"({"id":"wasm-plugin_a","description":"d"})", "name"},
        BadBody{"NameNotAString", R"({"id":"wasm-plugin_a","name":5,"description":"d"})", "name"},
        BadBody{"IdNotAString", R"({"id":5,"name":"n","description":"d"})", "id"},
        BadBody{"UnknownStep", R"({"id":"wasm-plugin_a","name":"n","description":"d","steps":["Teleport"]})",
                "steps[0]"},
        BadBody{"MalformedJson", R"({"id":"wasm-plugin_a",)", "malformed JSON"},
        BadBody{"EmptyBody", "", "body"}, BadBody{"NotAnObject", R"(["a"])", "body"}),
    [](const ::testing::TestParamInfo<BadBody>& info) { return std::string(info.param.name); });

TEST_F(EntityCrudTest, BadRouteIs400NamingTheField) {
  HttpResponse r = call("POST", kRoutes, R"({"id":"route_a","frontend":{"domains":["x.oto.tools"]}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(error_of(r).find("name"), std::string::npos) << error_of(r);
  EXPECT_EQ(stored("routes"), 0u);
}

TEST_F(EntityCrudTest, MissingEntityIs404) {
  HttpResponse r = call("GET", std::string(kRoutes) + "/route_nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_of(r).find("entity not found"), std::string::npos);
  EXPECT_EQ(call("PUT", std::string(kRoutes) + "/route_nope", route_json("route_nope")).status, 404);
  EXPECT_EQ(call("DELETE", std::string(kRoutes) + "/route_nope").status, 404);
  EXPECT_EQ(stored("routes"), 0u);
  EXPECT_EQ(changes_, 0);
}

TEST_F(EntityCrudTest, PutReplacesAndThePathIdWins) {
  ASSERT_EQ(call("POST", kRoutes, route_json("route_a")).status, 201);
  HttpResponse put =
      call("PUT", std::string(kRoutes) + "/route_a", route_json("route_other", "new.oto.tools"));
  ASSERT_EQ(put.status, 200) << put.body;
  json::value doc = body(put);
  EXPECT_EQ(str(doc, "id"), "route_a");
  EXPECT_TRUE(metadata(doc).contains("updated_at"));
  EXPECT_EQ(doc.at("frontend").at("domains").at(0), "new.oto.tools");
  EXPECT_EQ(stored("routes"), 1u);
  EXPECT_EQ(changes_, 2);
}

TEST_F(EntityCrudTest, InvalidPutKeepsTheStoredEntity) {
  ASSERT_EQ(call("POST", kPlugins, plugin_json("wasm-plugin_a", "kept")).status, 201);
  HttpResponse put = call("PUT", std::string(kPlugins) + "/wasm-plugin_a", R"({"name":"n"})");
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(str(body(call("GET", std::string(kPlugins) + "/wasm-plugin_a")), "name"), "kept");
  EXPECT_EQ(changes_, 1);
}

TEST_F(EntityCrudTest, PostOnAnIdUpsertsCreatedThenUpdated) {
  HttpResponse first = call("POST", std::string(kPlugins) + "/wasm-plugin_u", plugin_json("ignored", "v1"));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(str(body(first), "id"), "wasm-plugin_u");
  EXPECT_TRUE(metadata(body(first)).contains("created_at"));
  HttpResponse second = call("POST", std::string(kPlugins) + "/wasm-plugin_u", plugin_json("ignored", "v2"));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(str(body(second), "name"), "v2");
  EXPECT_EQ(header(second, "Otoroshi-Entity-Updated"), "true");
  EXPECT_EQ(stored("wasm-plugins"), 1u);
  EXPECT_EQ(changes_, 2);
}

TEST_F(EntityCrudTest, DeleteAnswersTheDeletedEntityThenItIsGone) {
  ASSERT_EQ(call("POST", kPlugins, plugin_json("wasm-plugin_a")).status, 201);
  HttpResponse del = call("DELETE", std::string(kPlugins) + "/wasm-plugin_a");
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(str(body(del), "id"), "wasm-plugin_a");
  EXPECT_EQ(call("GET", std::string(kPlugins) + "/wasm-plugin_a").status, 404);
  EXPECT_EQ(changes_, 2);
}

TEST_F(EntityCrudTest, DeleteOnTheCollectionRemovesEverything) {
  ASSERT_EQ(call("POST", kRoutes, route_json("route_a")).status, 201);
  ASSERT_EQ(call("POST", kRoutes, route_json("route_b")).status, 201);
  EXPECT_EQ(call("DELETE", kRoutes).status, 204);
  EXPECT_EQ(stored("routes"), 0u);
  EXPECT_EQ(changes_, 3);
}

TEST_F(EntityCrudTest, ListsWithKindAndPages) {
  for (const char* id : {"route_a", "route_b", "route_c"})
    ASSERT_EQ(call("POST", kRoutes, route_json(id)).status, 201);
  HttpResponse all = call("GET", kRoutes);
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(body(all).as_array().size(), 3u);
  EXPECT_EQ(str(body(all).as_array()[0], "kind"), "proxy.otoroshi.io/Route");
  EXPECT_EQ(header(all, "X-Pages"), "1");

  HttpResponse page2 = call("GET", std::string(kRoutes) + "?page=2&pageSize=2");
  ASSERT_EQ(page2.status, 200);
  ASSERT_EQ(body(page2).as_array().size(), 1u);
  EXPECT_EQ(str(body(page2).as_array()[0], "id"), "route_c");
  EXPECT_EQ(header(page2, "X-Pages"), "2");

  EXPECT_EQ(call("GET", std::string(kRoutes) + "?pageSize=0").status, 400);
  HttpResponse filtered = call("GET", std::string(kRoutes) + "?filter.id=route_b");
  ASSERT_EQ(body(filtered).as_array().size(), 1u);
}

TEST_F(EntityCrudTest, TemplatesHaveFreshIdsOfEachKind) {
  HttpResponse plugin = call("GET", std::string(kPlugins) + "/_template");
  ASSERT_EQ(plugin.status, 200);
  EXPECT_TRUE(str(body(plugin), "id").starts_with("wasm-plugin_"));
  EXPECT_EQ(str(body(plugin), "name"), "New wasm plugin");
  HttpResponse route = call("GET", std::string(kRoutes) + "/_template");
  ASSERT_EQ(route.status, 200);
  EXPECT_TRUE(str(body(route), "id").starts_with("route_"));
  EXPECT_NE(str(body(route), "id"), str(body(call("GET", std::string(kRoutes) + "/_template")), "id"));
  EXPECT_EQ(changes_, 0);
}

TEST_F(EntityCrudTest, TemplateCanBeCreatedAsIs) {
  std::string tmpl = call("GET", std::string(kPlugins) + "/_template").body;
  EXPECT_EQ(call("POST", kPlugins, tmpl).status, 201);
}

TEST_F(EntityCrudTest, CountsEntities) {
  EXPECT_EQ(body(call("GET", std::string(kPlugins) + "/_count")), json::parse(R"({"count":0})"));
  ASSERT_EQ(call("POST", kPlugins, plugin_json("wasm-plugin_a")).status, 201);
  EXPECT_EQ(body(call("GET", std::string(kPlugins) + "/_count")), json::parse(R"({"count":1})"));
}

TEST_F(EntityCrudTest, AnswersFromAGetCanBeSentBack) {
  ASSERT_EQ(call("POST", kRoutes, route_json("route_a")).status, 201);
  std::string got = call("GET", std::string(kRoutes) + "/route_a").body;  // carries "kind"
  ASSERT_EQ(call("PUT", std::string(kRoutes) + "/route_a", got).status, 200);
  auto doc = store_->get("routes", "route_a");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_FALSE((*doc)->contains("kind"));
}

TEST_F(EntityCrudTest, YamlBodiesAre415) {
  HttpResponse yaml = call("POST", kPlugins, "id: x\nname: y\n", {{"Content-Type", "application/yaml"}});
  EXPECT_EQ(yaml.status, 415);
  EXPECT_NE(error_of(yaml).find("JSON"), std::string::npos);
  EXPECT_EQ(stored("wasm-plugins"), 0u);
}

TEST_F(EntityCrudTest, BodiesOverTheLimitAre413) {
  AdminOptions small;
  small.max_body_bytes = 16;
  AdminApi api(store_, small, [this](const store::EntityChanges&) { ++changes_; });
  HttpRequest q;
  q.method = "POST";
  q.target = kPlugins;
  q.body = plugin_json("wasm-plugin_big");
  q.headers = {{"Otoroshi-Client-Id", "admin-api-apikey-id"},
               {"Otoroshi-Client-Secret", "admin-api-apikey-secret"}};
  EXPECT_EQ(api.handle(q).status, 413);
  EXPECT_EQ(stored("wasm-plugins"), 0u);
  EXPECT_EQ(changes_, 0);
}

TEST_F(EntityCrudTest, AcceptsAnyAndKindAliasesLikeOtoroshi) {
  ASSERT_EQ(call("POST", kRoutes, route_json("route_a")).status, 201);
  EXPECT_EQ(call("GET", "/apis/any/v1/routes/route_a").status, 200);
  EXPECT_EQ(call("GET", "/apis/proxy.otoroshi.io/v1/Route/route_a").status, 200);
}

// ---- legacy /api/routes
// ----------------------------------------------------------------------------------------

class LegacyRoutesTest : public AdminApiTest {};

TEST_F(LegacyRoutesTest, ServesTheSameRoutesWithoutKind) {
  HttpResponse created = call("POST", "/api/routes", route_json("route_l"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(body(created).as_object().contains("kind"));
  EXPECT_EQ(call("GET", std::string(kRoutes) + "/route_l").status, 200) << "one store behind both families";

  HttpResponse list = call("GET", "/api/routes");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(body(list).as_array().size(), 1u);

  HttpResponse put = call("PUT", "/api/routes/route_l", route_json("route_l", "legacy.oto.tools"));
  ASSERT_EQ(put.status, 200);
  EXPECT_EQ(body(put).at("frontend").at("domains").at(0), "legacy.oto.tools");

  HttpResponse tmpl = call("GET", "/api/routes/_template");
  ASSERT_EQ(tmpl.status, 200);
  EXPECT_TRUE(str(body(tmpl), "id").starts_with("route_"));

  HttpResponse del = call("DELETE", "/api/routes/route_l");
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(body(del), json::parse(R"({"deleted":true})"));
  EXPECT_EQ(stored("routes"), 0u);
  EXPECT_EQ(changes_, 3);
}

TEST_F(LegacyRoutesTest, LacksTheGenericOnlyVerbs) {
  EXPECT_EQ(call("DELETE", "/api/routes").status, 405);
  EXPECT_EQ(call("POST", "/api/routes/route_x", route_json("route_x")).status, 405);
}

TEST_F(LegacyRoutesTest, DuplicateCreateIs409) {
  ASSERT_EQ(call("POST", "/api/routes", route_json("route_l")).status, 201);
  EXPECT_EQ(call("POST", "/api/routes", route_json("route_l")).status, 409);
}

}  // namespace
}  // namespace wasmgate::admin
