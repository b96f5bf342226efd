#include "proxy/detail/message_writer.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <cerrno>
#include <charconv>

namespace wasmgate::proxy::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace

void begin_request_head(std::string& out, std::string_view method, std::string_view target) {
  out.clear();
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
}

void begin_response_head(std::string& out, unsigned status, std::string_view reason) {
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
}

std::size_t render_chunk_prefix(char* buf, std::size_t size) {
  const auto [end, ec] = std::to_chars(buf, buf + 16, size, 16);
  end[0] = '\r';
  end[1] = '\n';
  return static_cast<std::size_t>(end + 2 - buf);
}

bool MessageSender::frame(const char* data, std::size_t size, bool last) {
  buffers_ = {};
  if (!head_sent_) buffers_[0] = asio::buffer(head_);
  if (size > 0) {
    if (chunked_) {
      buffers_[1] = asio::buffer(prefix_, render_chunk_prefix(prefix_, size));
      buffers_[3] = asio::buffer(kCrlf);
    }
    buffers_[2] = asio::buffer(data, size);
  }
  if (last && chunked_ && !finished_) buffers_[4] = asio::buffer(kLastChunk);
  std::size_t total = 0;
  for (const auto& b : buffers_) total += b.size();
  if (total == 0) return false;
  // Callers give up on the message when a write fails, so the state can move on now.
  head_sent_ = true;
  if (last) finished_ = true;
  return true;
}

bool MessageSender::send(const char* data, std::size_t size, bool last, boost::beast::error_code& ec) {
  ec = {};
  if (!frame(data, size, last)) return false;
  std::array<iovec, std::tuple_size_v<decltype(buffers_)>> iov{};
  msghdr msg{};
  msg.msg_iov = iov.data();
  std::size_t total = 0;
  for (const auto& b : buffers_) {
    if (b.size() == 0) continue;
    iov[msg.msg_iovlen++] = iovec{const_cast<void*>(b.data()), b.size()};
    total += b.size();
  }
  ssize_t sent;
  do {
    // MSG_DONTWAIT: never blocks, whatever the descriptor's mode; MSG_NOSIGNAL: a closed peer is an error
    // here, not a SIGPIPE.
    sent = ::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;  // the socket's buffer is full: write() waits
    ec.assign(errno, boost::system::system_category());
    return false;
  }
  auto left = static_cast<std::size_t>(sent);
  if (left == total) return false;
  for (auto& b : buffers_) {  // a partial write: what is left goes to write()
    const std::size_t taken = std::min(left, b.size());
    b += taken;
    left -= taken;
  }
  return true;
}

asio::awaitable<std::tuple<boost::beast::error_code, std::size_t>> MessageSender::write(
    std::chrono::steady_clock::duration timeout) {
  deadline_.expires_after(timeout);
  return asio::async_write(socket_, buffers_, asio::as_tuple(asio::use_awaitable));
}

}  // namespace wasmgate::proxy::detail
