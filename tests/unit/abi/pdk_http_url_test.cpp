// parse_http_url: what http_request accepts as a URL.
#include <gtest/gtest.h>

#include "wasm/abi/extism/http_fetcher.h"

namespace wasmgate::abi {
namespace {

TEST(PdkHttpUrl, SplitsSchemeHostPortAndTarget) {
  auto url = parse_http_url("HTTP://Example.COM:8080/a/b?c=d#frag");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "example.com");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/a/b?c=d");
}

TEST(PdkHttpUrl, DefaultsPortAndPath) {
  auto http = parse_http_url("http://example.com");
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->target, "/");
  auto https = parse_http_url("https://example.com?x=1");
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->target, "/?x=1");
}

TEST(PdkHttpUrl, Ipv6AndUserinfo) {
  auto v6 = parse_http_url("http://[::1]:9000/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  auto user = parse_http_url("http://user:pw@host.example/p");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->host, "host.example");
  EXPECT_EQ(user->port, 80);
}

TEST(PdkHttpUrl, RefusesWhatItCannotCall) {
  EXPECT_EQ(parse_http_url("ftp://x/").error().message,
            "invalid URL \"ftp://x/\": scheme must be http or https");
  EXPECT_EQ(parse_http_url("example.com/x").error().message,
            "invalid URL \"example.com/x\": expected scheme://host");
  EXPECT_EQ(parse_http_url("http:///x").error().message, "invalid URL \"http:///x\": missing host");
  EXPECT_EQ(parse_http_url("http://h:99999/").error().message,
            "invalid URL \"http://h:99999/\": bad port \"99999\"");
  EXPECT_EQ(parse_http_url("http://[::1/").error().code, Errc::BadRequest);
}

TEST(PdkHttpUrl, SpacesAndControlCharactersCannotReachTheRequestLine) {
  EXPECT_EQ(parse_http_url("http://h/a b").error().message,
            "invalid URL \"http://h/a b\": contains spaces or control characters");
  EXPECT_FALSE(parse_http_url("http://h/a\r\nX-Injected: 1").ok());
}

TEST(PdkHttpUrl, TokensAndFieldValues) {
  EXPECT_TRUE(is_http_token("X-Custom_1"));
  EXPECT_TRUE(is_http_token("PATCH"));
  EXPECT_FALSE(is_http_token(""));
  EXPECT_FALSE(is_http_token("GET /x HTTP/1.1\r\n"));
  EXPECT_FALSE(is_http_token("Bad:Name"));
  EXPECT_TRUE(is_http_field_value("text/plain; q=0.9\twith tab"));
  EXPECT_FALSE(is_http_field_value("a\r\nX-Injected: 1"));
  EXPECT_FALSE(is_http_field_value(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace wasmgate::abi
