#include "proxy/detail/message_writer.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>

namespace wasmgate::proxy::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

void append_fields(std::string& out, const http::fields& fields) {
  for (const auto& f : fields) {
    const auto name = f.name_string();
    const auto value = f.value();
    out.append(name.data(), name.size());
    out.append(": ", 2);
    out.append(value.data(), value.size());
    out.append("\r\n", 2);
  }
  out.append("\r\n", 2);
}

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace

void render_request_head(std::string& out, std::string_view method, std::string_view target,
                         const http::fields& fields) {
  out.clear();
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
  append_fields(out, fields);
}

void render_response_head(std::string& out, unsigned status, std::string_view reason, const http::fields& fields) {
  out.clear();
  out.append("HTTP/1.1 ");
  char digits[8];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
  out.append(digits, end);
  out.push_back(' ');
  if (reason.empty()) {
    const auto standard = http::obsolete_reason(static_cast<http::status>(status));
    out.append(standard.data(), standard.size());
  } else {
    out.append(reason);
  }
  out.append("\r\n");
  append_fields(out, fields);
}

std::size_t render_chunk_prefix(char* buf, std::size_t size) {
  const auto [end, ec] = std::to_chars(buf, buf + 16, size, 16);
  end[0] = '\r';
  end[1] = '\n';
  return static_cast<std::size_t>(end + 2 - buf);
}

asio::awaitable<boost::beast::error_code> MessageSender::send(const char* data, std::size_t size, bool last,
                                                              std::chrono::steady_clock::duration timeout) {
  std::array<asio::const_buffer, 5> buffers{};
  std::size_t total = 0;
  if (!head_sent_) buffers[0] = asio::buffer(head_);
  if (size > 0) {
    if (chunked_) {
      buffers[1] = asio::buffer(prefix_, render_chunk_prefix(prefix_, size));
      buffers[3] = asio::buffer(kCrlf);
    }
    buffers[2] = asio::buffer(data, size);
  }
  if (last && chunked_ && !finished_) buffers[4] = asio::buffer(kLastChunk);
  for (const auto& b : buffers) total += b.size();
  if (total == 0) co_return boost::beast::error_code{};
  deadline_.expires_after(timeout);
  auto [ec, n] = co_await asio::async_write(socket_, buffers, asio::as_tuple(asio::use_awaitable));
  if (!ec) {
    head_sent_ = true;
    if (last) finished_ = true;
  }
  co_return ec;
}

}  // namespace wasmgate::proxy::detail
