// Writes proxied messages without Beast's serializer: the head is rendered once into a reused string and body
// pieces are framed by hand (raw, or chunked), so each socket write is one gather write of a few buffers and the
// head and the first body piece can leave together.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "proxy/worker.h"

namespace wasmgate::proxy::detail {

// "METHOD target HTTP/1.1\r\n" + fields + "\r\n" into `out` (cleared first).
void render_request_head(std::string& out, std::string_view method, std::string_view target,
                         const boost::beast::http::fields& fields);
// "HTTP/1.1 <status> <reason>\r\n" + fields + "\r\n" into `out`; an empty reason takes the standard one.
void render_response_head(std::string& out, unsigned status, std::string_view reason,
                          const boost::beast::http::fields& fields);
// "<hex size>\r\n" into `buf` (at least 18 bytes); returns the length written.
std::size_t render_chunk_prefix(char* buf, std::size_t size);

// Sends one message: its rendered head, then body pieces with the framing of the head (chunked or raw).
class MessageSender {
 public:
  MessageSender(boost::asio::ip::tcp::socket& socket, Deadline& deadline, const std::string& head, bool chunked)
      : socket_(socket), deadline_(deadline), head_(head), chunked_(chunked) {}

  // Sends the head if not sent yet, then `size` body bytes (none is fine), then the terminating chunk when
  // `last` and chunked. Writes nothing when there is nothing to write.
  boost::asio::awaitable<boost::beast::error_code> send(const char* data, std::size_t size, bool last,
                                                        std::chrono::steady_clock::duration timeout);
  // Sends the head alone (no-op once sent).
  boost::asio::awaitable<boost::beast::error_code> send_head(std::chrono::steady_clock::duration timeout) {
    return send(nullptr, 0, false, timeout);
  }
  bool head_sent() const { return head_sent_; }

 private:
  boost::asio::ip::tcp::socket& socket_;
  Deadline& deadline_;
  const std::string& head_;
  bool chunked_;
  bool head_sent_ = false;
  bool finished_ = false;
  char prefix_[24];
};

}  // namespace wasmgate::proxy::detail
