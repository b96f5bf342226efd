#include <gtest/gtest.h>

#include "model/route.h"

namespace wasmgate::model {
namespace {

TEST(ParseDomain, HostAloneHasRootPath) {
  Result<Domain> d = parse_domain("api.oto.tools");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "api.oto.tools");
  EXPECT_EQ(d->path, "/");
}

TEST(ParseDomain, SplitsHostAndPath) {
  Result<Domain> d = parse_domain("api.oto.tools/v1/users");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "api.oto.tools");
  EXPECT_EQ(d->path, "/v1/users");
}

TEST(ParseDomain, DropsTrailingSlashesLikeOtoroshi) {
  EXPECT_EQ(parse_domain("a.com/")->path, "/");
  EXPECT_EQ(parse_domain("a.com/api/")->path, "/api");
}

TEST(ParseDomain, LowerCasesHostButNotPath) {
  Result<Domain> d = parse_domain("API.Oto.TOOLS/Path");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "api.oto.tools");
  EXPECT_EQ(d->path, "/Path");
}

TEST(ParseDomain, StripsPort) {
  Result<Domain> d = parse_domain("api.oto.tools:8080/x");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "api.oto.tools");
  EXPECT_EQ(d->path, "/x");
  EXPECT_EQ(parse_domain("[::1]:8080")->host, "[::1]");
  EXPECT_EQ(parse_domain("[::1]")->host, "[::1]");
}

TEST(ParseDomain, KeepsWildcards) {
  EXPECT_EQ(parse_domain("*.Example.com/api")->host, "*.example.com");
  Result<Domain> any = parse_domain("*");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "*");
  EXPECT_EQ(any->path, "/");
}

TEST(ParseDomain, RejectsSchemeEmptyHostAndWhitespace) {
  for (const char* bad : {"", "http://a.com", "https://a.com/x", "/path", "a .com", ":8080/x"}) {
    Result<Domain> d = parse_domain(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().code, Errc::BadRequest);
  }
  EXPECT_NE(parse_domain("http://a.com").error().message.find("without a scheme"), std::string::npos);
}

}  // namespace
}  // namespace wasmgate::model
