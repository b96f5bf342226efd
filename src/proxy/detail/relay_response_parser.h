// RelayResponseParser: Beast's HTTP/1 response parser without a fields container. The plain proxy path only
// relays the backend's head, so it keeps the fields as a list in the connection's arena instead of Beast's
// basic_fields, whose ordered-set insert was ~1.4 k instructions per response (5 % of a proxied request). The
// body is read like http::buffer_body: into the caller's buffer, as much as fits.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "proxy/detail/header_arena.h"

namespace wasmgate::proxy::detail {

class RelayResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  struct Field {
    boost::beast::http::field id;
    std::string_view name;  // as received; copies in the arena
    std::string_view value;
  };

  explicit RelayResponseParser(HeaderArena& arena) : arena_(&arena), fields_(ArenaAllocator<Field>(arena)) {
    fields_.reserve(16);
  }

  unsigned status() const { return status_; }
  std::string_view reason() const { return reason_; }
  std::span<const Field> fields() const { return {fields_.data(), fields_.size()}; }

  // Where the next body bytes go; body_space_left() is what is left of it after a read.
  void set_body_buffer(char* data, std::size_t size) {
    body_data_ = data;
    body_space_ = size;
  }
  std::size_t body_space_left() const { return body_space_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  std::string_view keep(string_view s);
  std::size_t take_body(string_view body, error_code& ec);

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field id, string_view name, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code& ec) override { return take_body(body, ec); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return take_body(body, ec);
  }
  void on_finish_impl(error_code&) override {}

  HeaderArena* arena_;
  std::vector<Field, ArenaAllocator<Field>> fields_;
  unsigned status_ = 0;
  std::string_view reason_;
  char* body_data_ = nullptr;
  std::size_t body_space_ = 0;
};

}  // namespace wasmgate::proxy::detail
