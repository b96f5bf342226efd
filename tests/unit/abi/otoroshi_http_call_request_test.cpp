// env.proxy_http_call's request JSON and Otoroshi's host rule (wasm/abi/otoroshi/http_call_request.h).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "wasm/abi/otoroshi/http_call_request.h"

namespace wasmgate::abi::otoroshi {
namespace {

HttpCallRequest parse_ok(std::string_view json) {
  auto parsed = parse_http_call_request(boost::json::parse(json).as_object());
  EXPECT_TRUE(parsed.ok()) << json << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : HttpCallRequest{};
}

std::string parse_error(std::string_view json) {
  auto parsed = parse_http_call_request(boost::json::parse(json).as_object());
  EXPECT_FALSE(parsed.ok()) << json;
  return parsed ? "" : parsed.error().message;
}

TEST(ProxyHttpCallRequest, DefaultsAreOtoroshis) {
  const HttpCallRequest r = parse_ok("{}");
  EXPECT_EQ(r.fetch.url, "https://request.otoroshi.io");
  EXPECT_EQ(r.fetch.target.host, "request.otoroshi.io");
  EXPECT_EQ(r.fetch.method, "GET");
  EXPECT_TRUE(r.fetch.body.empty());
  EXPECT_FALSE(r.timeout);
  EXPECT_FALSE(r.follow_redirects);
}

TEST(ProxyHttpCallRequest, MethodQueryHeadersTimeout) {
  const HttpCallRequest r = parse_ok(
      R"({"url":"http://h:81/p?a=1","method":"put","query":{"q":"x y/z","n":2},"headers":{"X-A":"1"},
          "request_timeout":250,"follow_redirects":true})");
  EXPECT_EQ(r.fetch.method, "PUT");
  EXPECT_EQ(r.fetch.url, "http://h:81/p?a=1&q=x%20y%2Fz&n=2");
  EXPECT_EQ(r.fetch.target.target, "/p?a=1&q=x%20y%2Fz&n=2");
  ASSERT_EQ(r.fetch.headers.size(), 1u);
  EXPECT_EQ(r.fetch.headers[0].first, "X-A");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(250));
  EXPECT_TRUE(r.follow_redirects);
}

TEST(ProxyHttpCallRequest, BodyFieldsFollowBodyHelpersPrecedence) {
  EXPECT_EQ(parse_ok(R"({"body_str":"s","body":"b","body_json":{"j":1}})").fetch.body, "s");
  EXPECT_EQ(parse_ok(R"({"body":"b","body_json":{"j":1}})").fetch.body, "b");
  EXPECT_EQ(parse_ok(R"({"body":"  ","body_json":{"j":1}})").fetch.body, R"({"j":1})");
  EXPECT_EQ(parse_ok(R"({"body_base64":"aGk=","body_bytes":[1]})").fetch.body, "hi");
  EXPECT_EQ(parse_ok(R"({"body_bytes":[104,-1]})").fetch.body, std::string("h\xff", 2));
}

TEST(ProxyHttpCallRequest, BadFieldsAreNamed) {
  EXPECT_NE(parse_error(R"({"url":5})").find("\"url\""), std::string::npos);
  EXPECT_NE(parse_error(R"({"url":"ftp://x"})").find("env.proxy_http_call"), std::string::npos);
  EXPECT_NE(parse_error(R"({"headers":{"Bad Name":"v"}})").find("Bad Name"), std::string::npos);
  EXPECT_NE(parse_error(R"({"headers":{"X":"a\r\nInjected: 1"}})").find("\"X\""), std::string::npos);
  EXPECT_NE(parse_error(R"({"request_timeout":0})").find("request_timeout"), std::string::npos);
  EXPECT_NE(parse_error(R"({"body_base64":"!!"})").find("body_base64"), std::string::npos);
  EXPECT_NE(parse_error(R"({"body_bytes":[300]})").find("body_bytes"), std::string::npos);
}

TEST(ProxyHttpCallHosts, EmptyOrStarAllowsEverything) {
  EXPECT_TRUE(otoroshi_host_allowed({}, "anything.example"));
  const std::vector<std::string> star{"nope.example", "*"};
  EXPECT_TRUE(otoroshi_host_allowed(star, "anything.example"));
}

TEST(ProxyHttpCallHosts, WildcardPatternsMatchTheWholeHost) {
  const std::vector<std::string> patterns{"*.example.com", "api-?.org", "Exact.Host"};
  EXPECT_TRUE(otoroshi_host_allowed(patterns, "a.b.example.com"));
  EXPECT_FALSE(otoroshi_host_allowed(patterns, "example.com"));
  EXPECT_FALSE(otoroshi_host_allowed(patterns, "a.example.com.evil.net"));
  EXPECT_FALSE(otoroshi_host_allowed(patterns, "api-1.org"));  // only `*` is special; `?` is literal
  EXPECT_TRUE(otoroshi_host_allowed(patterns, "exact.host"));
  EXPECT_FALSE(otoroshi_host_allowed(patterns, "exactxhost"));  // `.` is literal
}

TEST(ProxyHttpCallRedirects, LocationsResolveAndCredentialsStayWithTheirHost) {
  HttpCallRequest r = parse_ok(R"({"url":"http://a.test/x","method":"POST","body_str":"b",
                                   "headers":{"Authorization":"secret","X-Keep":"1"}})");
  auto same_host = redirect_request(r.fetch, 307, std::string("/y"));
  ASSERT_TRUE(same_host);
  EXPECT_EQ(same_host->url, "http://a.test:80/y");
  EXPECT_EQ(same_host->method, "POST");
  EXPECT_EQ(same_host->body, "b");
  EXPECT_EQ(same_host->headers.size(), 2u);

  auto other_host = redirect_request(r.fetch, 303, std::string("https://b.test/z"));
  ASSERT_TRUE(other_host);
  EXPECT_EQ(other_host->target.host, "b.test");
  EXPECT_EQ(other_host->method, "GET");
  EXPECT_TRUE(other_host->body.empty());
  ASSERT_EQ(other_host->headers.size(), 1u);
  EXPECT_EQ(other_host->headers[0].first, "X-Keep");

  EXPECT_FALSE(redirect_request(r.fetch, 302, std::nullopt));
  EXPECT_FALSE(redirect_request(r.fetch, 302, std::string("relative/path")));
}

}  // namespace
}  // namespace wasmgate::abi::otoroshi
