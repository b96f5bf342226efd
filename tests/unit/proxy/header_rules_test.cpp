#include "proxy/header_rules.h"

#include <gtest/gtest.h>

namespace wasmgate::proxy {
namespace {

TEST(HopByHop, DropsConnectionScopedHeadersOnly) {
  for (const char* name : {"Connection", "keep-alive", "TE", "Trailer", "Upgrade", "Proxy-Authorization",
                           "proxy-connection"}) {
    EXPECT_TRUE(is_hop_by_hop(name)) << name;
  }
  for (const char* name : {"Content-Length", "Transfer-Encoding", "Host", "X-Custom", "Authorization", "Tea"}) {
    EXPECT_FALSE(is_hop_by_hop(name)) << name;
  }
}

TEST(HopByHopFilter, AlsoDropsHeadersNamedInConnection) {
  HopByHopFilter filter;
  filter.add_connection_header("close, X-Secret ,x-other");
  EXPECT_TRUE(filter.drop("x-secret"));
  EXPECT_TRUE(filter.drop("X-Other"));
  EXPECT_TRUE(filter.drop("Keep-Alive"));
  EXPECT_FALSE(filter.drop("X-Kept"));
  EXPECT_FALSE(filter.drop("Close"));  // the "close" token is an option, not a header name
}

TEST(ReframedTransferEncoding, AddsOrRemovesTheLastChunkedAsBeastDoes) {
  EXPECT_EQ(reframed_transfer_encoding("", true), "chunked");
  EXPECT_EQ(reframed_transfer_encoding("gzip", true), "gzip, chunked");
  EXPECT_EQ(reframed_transfer_encoding("gzip ,  chunked", true), "gzip, chunked");  // already last: re-joined
  EXPECT_EQ(reframed_transfer_encoding("chunked", false), "");
  EXPECT_EQ(reframed_transfer_encoding("gzip, CHUNKED", false), "gzip");
  EXPECT_EQ(reframed_transfer_encoding("chunked, gzip", false), "chunked, gzip");  // only a last one goes
  EXPECT_EQ(reframed_transfer_encoding("", false), "");
}

TEST(ForwardedFor, AppendsTheClientToTheChain) {
  EXPECT_EQ(append_forwarded_for(std::nullopt, "10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(append_forwarded_for("1.1.1.1, 2.2.2.2", "10.0.0.1"), "1.1.1.1, 2.2.2.2, 10.0.0.1");
  EXPECT_EQ(append_forwarded_for("  ", "10.0.0.1"), "10.0.0.1");
}

TEST(UpstreamHost, OmitsTheDefaultPort) {
  model::Target t;
  t.hostname = "backend.local";
  t.port = 80;
  EXPECT_EQ(upstream_host_header(t), "backend.local");
  t.port = 8080;
  EXPECT_EQ(upstream_host_header(t), "backend.local:8080");
  t.tls = true;
  t.port = 443;
  EXPECT_EQ(upstream_host_header(t), "backend.local");
  t.hostname = "::1";
  t.port = 9000;
  t.tls = false;
  EXPECT_EQ(upstream_host_header(t), "[::1]:9000");
}

TEST(ExpectContinue, RecognisesTheToken) {
  EXPECT_TRUE(expects_continue("100-continue"));
  EXPECT_TRUE(expects_continue(" 100-Continue "));
  EXPECT_FALSE(expects_continue("something-else"));
}

}  // namespace
}  // namespace wasmgate::proxy
