// Writes proxied messages without Beast's serializer: the head is rendered once into a reused string and body
// pieces are framed by hand (raw, or chunked), so each socket write is one gather write of a few buffers and the
// head and the first body piece can leave together.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>

#include "proxy/worker.h"

namespace wasmgate::proxy::detail {

// Building blocks of a message head in `out`: the start line (clears `out` first), fields, the blank line.
// The proxy renders forwarded heads field by field, leaving out hop-by-hop ones, instead of editing Beast's
// fields first (each edit is a tree update and an allocation).
void begin_request_head(std::string& out, std::string_view method, std::string_view target);
// "HTTP/1.1 <status> <reason>\r\n"; an empty reason takes the standard one.
void begin_response_head(std::string& out, unsigned status, std::string_view reason);
inline void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  out.append(value);
  out.append("\r\n", 2);
}
inline void end_head(std::string& out) { out.append("\r\n", 2); }

// "METHOD target HTTP/1.1\r\n" + fields + "\r\n" into `out` (cleared first).
template <class Fields>
void render_request_head(std::string& out, std::string_view method, std::string_view target, const Fields& fields) {
  begin_request_head(out, method, target);
  for (const auto& f : fields) append_field(out, f.name_string(), f.value());
  end_head(out);
}
// "HTTP/1.1 <status> <reason>\r\n" + fields + "\r\n" into `out`; an empty reason takes the standard one.
template <class Fields>
void render_response_head(std::string& out, unsigned status, std::string_view reason, const Fields& fields) {
  begin_response_head(out, status, reason);
  for (const auto& f : fields) append_field(out, f.name_string(), f.value());
  end_head(out);
}
// "<hex size>\r\n" into `buf` (at least 18 bytes); returns the length written.
std::size_t render_chunk_prefix(char* buf, std::size_t size);

// Sends one message: its rendered head, then body pieces with the framing of the head (chunked or raw).
class MessageSender {
 public:
  MessageSender(boost::asio::ip::tcp::socket& socket, Deadline& deadline, const std::string& head, bool chunked)
      : socket_(socket), deadline_(deadline), head_(head), chunked_(chunked) {}

  // Frames the next piece (the head if not sent yet, then `size` body bytes, none is fine, then the
  // terminating chunk when `last` and chunked) and writes as much of it as the socket takes now, without
  // waiting: one non-blocking gather write, so a small message to a peer that keeps up leaves here with no
  // async operation, completion post or timer. True when bytes are left for write(); `ec` is set when the
  // socket failed. `data` must live until write() ends.
  bool send(const char* data, std::size_t size, bool last, boost::beast::error_code& ec);
  // Writes what send() left. Not a coroutine of its own: the caller awaits the write directly (one coroutine
  // frame less per write). After an error the message is broken: callers give up on it.
  boost::asio::awaitable<std::tuple<boost::beast::error_code, std::size_t>> write(
      std::chrono::steady_clock::duration timeout);
  bool head_sent() const { return head_sent_; }

 private:
  // Prepares buffers_ for the next piece; false when there is nothing to write.
  bool frame(const char* data, std::size_t size, bool last);

  boost::asio::ip::tcp::socket& socket_;
  Deadline& deadline_;
  const std::string& head_;
  bool chunked_;
  bool head_sent_ = false;
  bool finished_ = false;
  char prefix_[24];
  std::array<boost::asio::const_buffer, 5> buffers_{};
};

}  // namespace wasmgate::proxy::detail
