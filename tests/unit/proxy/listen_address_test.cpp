#include "proxy/listen_address.h"

#include <gtest/gtest.h>

namespace wasmgate::proxy {
namespace {

TEST(ListenAddress, ParsesHostPortForms) {
  auto a = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  auto any = parse_listen_address(":9000");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "0.0.0.0");
}

TEST(ListenAddress, RejectsMalformedValuesNamingThem) {
  for (const char* bad : {"8080", "host:", "host:http", "host:70000", "::1:80", "[::1]80", "[::1"}) {
    auto r = parse_listen_address(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::BadRequest);
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace wasmgate::proxy
