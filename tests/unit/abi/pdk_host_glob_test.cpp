// allowedHosts globs (Extism's `glob::Pattern` semantics over the host name).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wasm/abi/extism/host_glob.h"

namespace wasmgate::abi {
namespace {

TEST(PdkHostGlob, LiteralHostsMatchExactlyIgnoringCase) {
  EXPECT_TRUE(host_glob_match("api.example.com", "api.example.com"));
  EXPECT_TRUE(host_glob_match("API.Example.com", "api.example.COM"));
  EXPECT_FALSE(host_glob_match("api.example.com", "api.example.co"));
  EXPECT_FALSE(host_glob_match("api.example.com", "xapi.example.com"));
}

TEST(PdkHostGlob, StarMatchesAnyRunIncludingDots) {
  EXPECT_TRUE(host_glob_match("*", "anything.at.all"));
  EXPECT_TRUE(host_glob_match("*.example.com", "a.example.com"));
  EXPECT_TRUE(host_glob_match("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(host_glob_match("*.example.com", "example.com"));
  EXPECT_TRUE(host_glob_match("api.*.com", "api.x.y.com"));
  EXPECT_TRUE(host_glob_match("**a**", "banana"));
  EXPECT_FALSE(host_glob_match("*a", "banan"));
}

TEST(PdkHostGlob, QuestionMarkAndClasses) {
  EXPECT_TRUE(host_glob_match("host?.local", "host1.local"));
  EXPECT_FALSE(host_glob_match("host?.local", "host.local"));
  EXPECT_TRUE(host_glob_match("node[0-3].svc", "node2.svc"));
  EXPECT_FALSE(host_glob_match("node[0-3].svc", "node7.svc"));
  EXPECT_TRUE(host_glob_match("node[!0-3].svc", "node7.svc"));
  EXPECT_TRUE(host_glob_match("[ab]*", "beta"));
}

TEST(PdkHostGlob, UnterminatedClassIsALiteral) {
  EXPECT_TRUE(host_glob_match("a[b", "a[b"));
  EXPECT_FALSE(host_glob_match("a[b", "ab"));
}

TEST(PdkHostGlob, BacktrackingStaysLinearOnHostileInput) {
  const std::string host(10000, 'a');
  EXPECT_FALSE(host_glob_match("*a*a*a*a*a*a*a*a*b", host));
}

TEST(PdkHostGlob, EmptyListAllowsNothing) {
  const std::vector<std::string> none;
  EXPECT_FALSE(host_allowed(none, "localhost"));
  const std::vector<std::string> some = {"*.example.com", "localhost"};
  EXPECT_TRUE(host_allowed(some, "localhost"));
  EXPECT_TRUE(host_allowed(some, "x.example.com"));
  EXPECT_FALSE(host_allowed(some, "127.0.0.1"));
}

}  // namespace
}  // namespace wasmgate::abi
