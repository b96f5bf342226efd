#include "proxy/route_index.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/http_message.h"

namespace wasmgate::proxy {
namespace {

struct RouteSpec {
  std::string id{};
  std::vector<std::pair<std::string, std::string>> domains{};  // host, path
  bool strip_path = true;
  bool exact = false;
  std::string root = "/";
  std::vector<std::string> methods{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::vector<std::pair<std::string, std::string>> query{};
  bool enabled = true;
};

model::RoutePtr make_route(const RouteSpec& spec) {
  auto r = std::make_shared<model::Route>();
  r->id = spec.id;
  r->name = spec.id;
  r->enabled = spec.enabled;
  for (const auto& [host, path] : spec.domains) r->frontend.domains.push_back({host, path});
  r->frontend.strip_path = spec.strip_path;
  r->frontend.exact = spec.exact;
  r->frontend.methods = spec.methods;
  r->frontend.headers = spec.headers;
  r->frontend.query = spec.query;
  r->backend.root = spec.root;
  model::Target target;
  target.hostname = "127.0.0.1";
  target.port = 9000;
  r->backend.targets.push_back(target);
  return r;
}

class ListHeaders final : public HeaderSource {
 public:
  explicit ListHeaders(HeaderList h) : h_(std::move(h)) {}
  std::optional<std::string_view> get(std::string_view name) const override { return find_header(h_, name); }

 private:
  HeaderList h_;
};

struct Req {
  std::string method = "GET";
  std::string host{};
  std::string path = "/";
  std::string query{};
  HeaderList headers{};
};

std::optional<RouteMatch> match(const RouteIndex& index, const Req& r) {
  ListHeaders headers(r.headers);
  return index.match(MatchRequest{r.method, r.host, r.path, r.query, &headers});
}

std::string matched_id(const RouteIndex& index, const Req& r) {
  auto m = match(index, r);
  return m ? m->route->id : "<none>";
}

TEST(RouteIndex, MatchesExactHostCaseInsensitivelyAndIgnoresPort) {
  RouteIndex index({make_route({"a", {{"api.oto.tools", "/"}}})});
  EXPECT_EQ(matched_id(index, {.host = "api.oto.tools"}), "a");
  EXPECT_EQ(matched_id(index, {.host = "API.Oto.Tools:8080"}), "a");
  EXPECT_EQ(matched_id(index, {.host = "other.oto.tools"}), "<none>");
}

TEST(RouteIndex, SkipsDisabledRoutes) {
  RouteSpec spec{"off", {{"off.oto.tools", "/"}}};
  spec.enabled = false;
  RouteIndex index({make_route(spec)});
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(matched_id(index, {.host = "off.oto.tools"}), "<none>");
}

TEST(RouteIndex, WildcardHostMatchesAnySubdomainButNotTheBareDomain) {
  RouteIndex index({make_route({"w", {{"*.wild.oto.tools", "/"}}})});
  EXPECT_EQ(matched_id(index, {.host = "a.wild.oto.tools"}), "w");
  EXPECT_EQ(matched_id(index, {.host = "deep.b.wild.oto.tools"}), "w");
  EXPECT_EQ(matched_id(index, {.host = "wild.oto.tools"}), "<none>");
  EXPECT_EQ(matched_id(index, {.host = "notwild.oto.tools"}), "<none>");
}

TEST(RouteIndex, ExactHostBeatsWildcardWhichBeatsLongerSuffixThenStar) {
  RouteIndex index({make_route({"exact", {{"a.b.oto.tools", "/"}}}), make_route({"wide", {{"*.oto.tools", "/"}}}),
                    make_route({"narrow", {{"*.b.oto.tools", "/"}}}), make_route({"any", {{"*", "/"}}})});
  EXPECT_EQ(matched_id(index, {.host = "a.b.oto.tools"}), "exact");
  EXPECT_EQ(matched_id(index, {.host = "x.b.oto.tools"}), "narrow");
  EXPECT_EQ(matched_id(index, {.host = "x.oto.tools"}), "wide");
  EXPECT_EQ(matched_id(index, {.host = "elsewhere.com"}), "any");
}

TEST(RouteIndex, FallsBackToWildcardWhenTheExactHostHasNoMatchingPath) {
  RouteIndex index({make_route({"exact", {{"a.oto.tools", "/api"}}}), make_route({"wild", {{"*.oto.tools", "/"}}})});
  EXPECT_EQ(matched_id(index, {.host = "a.oto.tools", .path = "/api/x"}), "exact");
  EXPECT_EQ(matched_id(index, {.host = "a.oto.tools", .path = "/other"}), "wild");
}

TEST(RouteIndex, LongestDeclaredPathWins) {
  RouteIndex index({make_route({"short", {{"h", "/a"}}}), make_route({"long", {{"h", "/a/b"}}}),
                    make_route({"root", {{"h", "/"}}})});
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/a/b/c"}), "long");
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/a/x"}), "short");
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/zzz"}), "root");
}

TEST(RouteIndex, ExactRouteNeedsEqualPathModuloTrailingSlash) {
  RouteSpec spec{"only", {{"h", "/only"}}};
  spec.exact = true;
  RouteIndex index({make_route(spec)});
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/only"}), "only");
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/only/"}), "only");
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/only/more"}), "<none>");
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/onlyx"}), "<none>");
}

TEST(RouteIndex, ExactRootMatchesOnlyTheRoot) {
  RouteSpec spec{"root", {{"h", "/"}}};
  spec.exact = true;
  RouteIndex index({make_route(spec)});
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/"}), "root");
  EXPECT_EQ(matched_id(index, {.host = "h", .path = "/x"}), "<none>");
}

TEST(RouteIndex, MethodsFilterAndEmptyMeansAny) {
  RouteSpec post{"post", {{"h", "/"}}};
  post.methods = {"POST"};
  RouteIndex index({make_route(post)});
  EXPECT_EQ(matched_id(index, {.method = "POST", .host = "h"}), "post");
  EXPECT_EQ(matched_id(index, {.method = "GET", .host = "h"}), "<none>");
}

TEST(RouteIndex, HeadersMustMatchExactly) {
  RouteSpec spec{"tenant", {{"h", "/"}}};
  spec.headers = {{"x-tenant", "acme"}};
  RouteIndex index({make_route(spec)});
  EXPECT_EQ(matched_id(index, {.host = "h", .headers = {{"X-Tenant", "acme"}}}), "tenant");
  EXPECT_EQ(matched_id(index, {.host = "h", .headers = {{"X-Tenant", "other"}}}), "<none>");
  EXPECT_EQ(matched_id(index, {.host = "h"}), "<none>");
}

TEST(RouteIndex, QueryParametersMustMatchDecoded) {
  RouteSpec spec{"q", {{"h", "/"}}};
  spec.query = {{"v", "a b"}};
  RouteIndex index({make_route(spec)});
  EXPECT_EQ(matched_id(index, {.host = "h", .query = "x=1&v=a+b"}), "q");
  EXPECT_EQ(matched_id(index, {.host = "h", .query = "v=a%20b"}), "q");
  EXPECT_EQ(matched_id(index, {.host = "h", .query = "v=ab"}), "<none>");
  EXPECT_EQ(matched_id(index, {.host = "h"}), "<none>");
}

TEST(RouteIndex, FallsBackToShorterPathWhenTheLongestFailsItsConstraints) {
  RouteSpec strict{"strict", {{"h", "/api/admin"}}};
  strict.methods = {"DELETE"};
  RouteIndex index({make_route(strict), make_route({"general", {{"h", "/api"}}})});
  EXPECT_EQ(matched_id(index, {.method = "DELETE", .host = "h", .path = "/api/admin/1"}), "strict");
  EXPECT_EQ(matched_id(index, {.method = "GET", .host = "h", .path = "/api/admin/1"}), "general");
}

TEST(RouteIndex, MoreSpecificRouteOnTheSamePathIsTriedFirst) {
  RouteSpec tenant{"tenant", {{"h", "/"}}};
  tenant.headers = {{"x-tenant", "acme"}};
  RouteIndex index({make_route({"plain", {{"h", "/"}}}), make_route(tenant)});
  EXPECT_EQ(matched_id(index, {.host = "h", .headers = {{"x-tenant", "acme"}}}), "tenant");
  EXPECT_EQ(matched_id(index, {.host = "h"}), "plain");
}

TEST(RouteIndex, StripPathRemovesTheMatchedPrefix) {
  RouteIndex index({make_route({"s", {{"h", "/api"}}})});
  auto m = match(index, {.host = "h", .path = "/api/users"});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->matched_path, "/api");
  EXPECT_EQ(m->forwarded_path, "/users");
  EXPECT_EQ(match(index, {.host = "h", .path = "/api"})->forwarded_path, "/");
}

TEST(RouteIndex, NoStripKeepsThePath) {
  RouteSpec spec{"n", {{"h", "/api"}}};
  spec.strip_path = false;
  RouteIndex index({make_route(spec)});
  EXPECT_EQ(match(index, {.host = "h", .path = "/api/users"})->forwarded_path, "/api/users");
}

TEST(RouteIndex, RootIsJoinedInFrontWithoutDoubleSlash) {
  RouteSpec spec{"r", {{"h", "/api"}}};
  spec.root = "/v1";
  RouteIndex index({make_route(spec)});
  EXPECT_EQ(match(index, {.host = "h", .path = "/api/users"})->forwarded_path, "/v1/users");
  EXPECT_EQ(match(index, {.host = "h", .path = "/api"})->forwarded_path, "/v1");
  spec.root = "/v1/";
  RouteIndex slash({make_route(spec)});
  EXPECT_EQ(match(slash, {.host = "h", .path = "/api/users"})->forwarded_path, "/v1/users");
}

TEST(RouteIndex, LongestPrefixAppliesWithRoot) {
  RouteSpec long_route{"long", {{"h", "/a/b"}}};
  long_route.root = "/long";
  RouteIndex index({make_route({"short", {{"h", "/a"}}}), make_route(long_route)});
  EXPECT_EQ(match(index, {.host = "h", .path = "/a/b/c"})->forwarded_path, "/long/c");
  EXPECT_EQ(match(index, {.host = "h", .path = "/a/x"})->forwarded_path, "/x");
}

TEST(RouteIndex, SlotsIndexTheRoutesVector) {
  RouteIndex index({make_route({"a", {{"a", "/"}}}), make_route({"b", {{"b", "/"}}})});
  auto m = match(index, {.host = "b"});
  ASSERT_TRUE(m);
  EXPECT_EQ(index.routes()[m->slot]->id, "b");
}

TEST(RouteIndex, RouteWithSeveralDomainsMatchesEach) {
  RouteIndex index({make_route({"multi", {{"one.com", "/x"}, {"two.com", "/"}}})});
  EXPECT_EQ(matched_id(index, {.host = "one.com", .path = "/x/1"}), "multi");
  EXPECT_EQ(matched_id(index, {.host = "two.com", .path = "/y"}), "multi");
  EXPECT_EQ(matched_id(index, {.host = "one.com", .path = "/y"}), "<none>");
}

// Scale: lookups inspect one host's table and a few distinct path lengths, so 10 000 routes on many hosts and
// thousands of paths on one host still resolve correctly (no timing assertion: see bench/ for speed).
TEST(RouteIndex, ResolvesAmongTenThousandRoutes) {
  std::vector<model::RoutePtr> routes;
  for (int i = 0; i < 5000; ++i) {
    routes.push_back(make_route({"host" + std::to_string(i), {{"h" + std::to_string(i) + ".com", "/"}}}));
    routes.push_back(make_route({"path" + std::to_string(i), {{"big.com", "/svc" + std::to_string(i)}}}));
  }
  RouteIndex index(std::move(routes));
  EXPECT_EQ(matched_id(index, {.host = "h4321.com"}), "host4321");
  EXPECT_EQ(matched_id(index, {.host = "big.com", .path = "/svc4321/x"}), "path4321");
  EXPECT_EQ(matched_id(index, {.host = "big.com", .path = "/svc43/x"}), "path43");
  EXPECT_EQ(matched_id(index, {.host = "big.com", .path = "/nothing"}), "<none>");
}

TEST(NormalizeHost, LowerCasesAndStripsPortAndTrailingDot) {
  EXPECT_EQ(normalize_host("API.Foo.com:8080"), "api.foo.com");
  EXPECT_EQ(normalize_host("[::1]:8080"), "[::1]");
  EXPECT_EQ(normalize_host("foo.com."), "foo.com");
  EXPECT_EQ(normalize_host(""), "");
}

}  // namespace
}  // namespace wasmgate::proxy
