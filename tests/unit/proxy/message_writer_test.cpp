#include "proxy/detail/message_writer.h"

#include <gtest/gtest.h>

namespace wasmgate::proxy::detail {
namespace {

TEST(MessageWriter, RendersARequestHeadWithEveryField) {
  boost::beast::http::fields fields;
  fields.insert("Host", "backend:9000");
  fields.insert("X-Forwarded-For", "10.0.0.1");
  std::string out = "stale content";
  render_request_head(out, "POST", "/v1/users?x=1", fields);
  EXPECT_EQ(out, "POST /v1/users?x=1 HTTP/1.1\r\nHost: backend:9000\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
}

TEST(MessageWriter, RendersAResponseHeadKeepingTheBackendsReason) {
  boost::beast::http::fields fields;
  fields.insert("Content-Length", "2");
  std::string out;
  render_response_head(out, 418, "I'm a teapot", fields);
  EXPECT_EQ(out, "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 2\r\n\r\n");
  render_response_head(out, 404, "", boost::beast::http::fields{});
  EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\n\r\n");
}

TEST(MessageWriter, ChunkPrefixIsHexSizeAndCrlf) {
  char buf[24];
  EXPECT_EQ(std::string(buf, render_chunk_prefix(buf, 65536)), "10000\r\n");
  EXPECT_EQ(std::string(buf, render_chunk_prefix(buf, 1)), "1\r\n");
}

}  // namespace
}  // namespace wasmgate::proxy::detail
