#include "admin/detail/router.h"

#include <gtest/gtest.h>

#include "admin_test_support.h"

namespace wasmgate::admin {
namespace {

TEST(SplitPath, DropsEmptySegmentsAndTheQueryAndDecodesPercentEscapes) {
  EXPECT_EQ(split_path("/api/routes/?x=1"), (std::vector<std::string>{"api", "routes"}));
  EXPECT_EQ(split_path("/api/routes/a%2Fb%20c"), (std::vector<std::string>{"api", "routes", "a/b c"}));
  EXPECT_TRUE(split_path("/").empty());
}

TEST(ParseQuery, DecodesKeysAndValuesAndKeepsOrder) {
  Params q = parse_query("/x?page=2&filter.name=a+b&pageSize=%31%30&flag");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"page", "2"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"filter.name", "a b"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"pageSize", "10"}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"flag", ""}));
}

HttpResponse ok_with(const std::string& text) {
  return HttpResponse::json(200, "\"" + text + "\"");
}

TEST(Router, FirstMatchingPatternWinsAndCapturesSegments) {
  Router r;
  r.add("GET", "/things/_count", [](const HttpRequest&, const RequestParams&) { return ok_with("count"); });
  r.add("GET", "/things/:id",
        [](const HttpRequest&, const RequestParams& p) { return ok_with(p.segment("id")); });
  HttpRequest q{"GET", "/things/_count", {}, "", ""};
  EXPECT_EQ(r.dispatch(q).body, "\"count\"");
  q.target = "/things/abc?x=1";
  EXPECT_EQ(r.dispatch(q).body, "\"abc\"");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router r;
  r.add("GET", "/things", [](const HttpRequest&, const RequestParams&) { return ok_with("list"); });
  r.add("POST", "/things", [](const HttpRequest&, const RequestParams&) { return ok_with("create"); });
  HttpResponse missing = r.dispatch(HttpRequest{"GET", "/nothing", {}, "", ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(find_header(missing.headers, "Content-Type").value_or(""), "application/json");
  HttpResponse wrong = r.dispatch(HttpRequest{"DELETE", "/things", {}, "", ""});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(find_header(wrong.headers, "Allow").value_or(""), "GET, POST");
}

class AdminRoutingTest : public testing::AdminApiTest {};

TEST_F(AdminRoutingTest, UnknownPathsAndResourcesAre404Json) {
  HttpResponse r = call("GET", "/apis/nope.otoroshi.io/v1/things");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(error_of(r).find("unknown resource"), std::string::npos);
  EXPECT_EQ(call("GET", "/not/an/endpoint").status, 404);
}

TEST_F(AdminRoutingTest, WrongMethodIs405WithAllow) {
  HttpResponse r = call("DELETE", "/api/globalconfig");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET, PUT, PATCH");
}

}  // namespace
}  // namespace wasmgate::admin
