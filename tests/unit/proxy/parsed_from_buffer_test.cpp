// parsed_from_buffer settles a read from the bytes already buffered, as Beast's async read would, or says the
// socket must be read.
#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <string_view>

#include "proxy/detail/beast_io.h"

namespace wasmgate::proxy::detail {
namespace {

void fill(beast::flat_buffer& buffer, std::string_view bytes) {
  buffer.commit(asio::buffer_copy(buffer.prepare(bytes.size()), asio::buffer(bytes.data(), bytes.size())));
}

TEST(ParsedFromBuffer, AWholeHeadInTheBufferNeedsNoRead) {
  http::request_parser<http::empty_body> parser;
  beast::flat_buffer buffer;
  fill(buffer, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n");  // and the start of the next request
  beast::error_code ec;
  EXPECT_TRUE(parsed_from_buffer(parser, buffer, ParseUntil::HeaderDone, ec));
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_EQ(parser.get().target(), "/a");
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "GET /b HTTP/1.1\r\n");  // the next one is left alone
}

TEST(ParsedFromBuffer, APartialHeadOrAnEmptyBufferMeansRead) {
  http::request_parser<http::empty_body> parser;
  beast::flat_buffer buffer;
  beast::error_code ec;
  EXPECT_FALSE(parsed_from_buffer(parser, buffer, ParseUntil::HeaderDone, ec));
  fill(buffer, "GET /a HTTP/1.1\r\nHo");
  EXPECT_FALSE(parsed_from_buffer(parser, buffer, ParseUntil::HeaderDone, ec));
  EXPECT_FALSE(ec);  // need_more is not an error: the Beast read that follows goes on from here
  EXPECT_FALSE(parser.is_header_done());
  fill(buffer, "st: x\r\n\r\n");
  EXPECT_TRUE(parsed_from_buffer(parser, buffer, ParseUntil::HeaderDone, ec));
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_EQ(parser.get().target(), "/a");
  EXPECT_EQ(parser.get()[http::field::host], "x");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(ParsedFromBuffer, AMalformedHeadIsSettledWithItsError) {
  http::request_parser<http::empty_body> parser;
  beast::flat_buffer buffer;
  fill(buffer, "GET /a HTTP/9\r\n\r\n");
  beast::error_code ec;
  EXPECT_TRUE(parsed_from_buffer(parser, buffer, ParseUntil::HeaderDone, ec));
  EXPECT_TRUE(ec);
}

TEST(ParsedFromBuffer, BufferedBodyBytesGoToTheBodyBuffer) {
  http::response_parser<http::buffer_body> parser;
  beast::flat_buffer buffer;
  fill(buffer, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456");
  beast::error_code ec;
  ASSERT_TRUE(parsed_from_buffer(parser, buffer, ParseUntil::HeaderDone, ec));
  char body[16];
  parser.get().body().data = body;
  parser.get().body().size = sizeof body;
  EXPECT_TRUE(parsed_from_buffer(parser, buffer, ParseUntil::Some, ec));  // "some": what is there
  EXPECT_FALSE(ec);
  EXPECT_EQ(sizeof body - parser.get().body().size, 7u);
  EXPECT_FALSE(parser.is_done());
  EXPECT_FALSE(parsed_from_buffer(parser, buffer, ParseUntil::Some, ec));  // the rest must be read
  fill(buffer, "789");
  EXPECT_TRUE(parsed_from_buffer(parser, buffer, ParseUntil::Some, ec));
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(std::string_view(body, 10), "0123456789");
}

}  // namespace
}  // namespace wasmgate::proxy::detail
