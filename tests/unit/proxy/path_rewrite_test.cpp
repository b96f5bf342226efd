#include "proxy/path_rewrite.h"

#include <gtest/gtest.h>

namespace wasmgate::proxy {
namespace {

TEST(StripMatchedPrefix, RemovesTheDeclaredPathAndKeepsTheSeparator) {
  EXPECT_EQ(strip_matched_prefix("/api/users", "/api"), "/users");
  EXPECT_EQ(strip_matched_prefix("/api/users", "/api/"), "/users");
  EXPECT_EQ(strip_matched_prefix("/users", "/"), "/users");
  EXPECT_EQ(strip_matched_prefix("/api", "/api"), "");
  EXPECT_EQ(strip_matched_prefix("/api", "/api/"), "");
}

TEST(JoinRoot, NeverProducesDoubleSlashesNorLosesTheSeparator) {
  EXPECT_EQ(join_root("/v1", "/users"), "/v1/users");
  EXPECT_EQ(join_root("/v1/", "/users"), "/v1/users");
  EXPECT_EQ(join_root("/", "/users"), "/users");
  EXPECT_EQ(join_root("/", ""), "/");
  EXPECT_EQ(join_root("/v1", ""), "/v1");
  EXPECT_EQ(join_root("/v1", "x"), "/v1/x");
  EXPECT_EQ(join_root("", "/x"), "/x");
  EXPECT_EQ(join_root("v1", "/x"), "/v1/x");
  EXPECT_EQ(join_root("", ""), "/");
}

TEST(SplitTarget, SeparatesPathAndQuery) {
  auto t = split_target("/a/b?x=1&y=2");
  EXPECT_EQ(t.path, "/a/b");
  EXPECT_EQ(t.query, "x=1&y=2");
  EXPECT_EQ(split_target("/a").query, "");
  EXPECT_EQ(split_target("?x").path, "/");
}

TEST(SplitAbsoluteForm, ExtractsAuthorityAndOriginPart) {
  auto t = split_absolute_form("http://user@Host.com:8080/p?q=1");
  EXPECT_EQ(t.authority, "Host.com:8080");
  EXPECT_EQ(t.origin, "/p?q=1");
  EXPECT_EQ(split_absolute_form("http://host.com").origin, "/");
  EXPECT_EQ(split_absolute_form("http://host.com?x").origin, "?x");
  auto origin = split_absolute_form("/only/path");
  EXPECT_TRUE(origin.authority.empty());
  EXPECT_EQ(origin.origin, "/only/path");
}

}  // namespace
}  // namespace wasmgate::proxy
