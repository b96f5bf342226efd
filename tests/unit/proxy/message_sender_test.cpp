// MessageSender::send writes what the socket takes at once and leaves the rest to write(): what reaches the
// peer must be the whole framed message, in order, however the kernel splits it.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string>

#include "proxy/detail/message_writer.h"
#include "proxy/worker.h"

namespace wasmgate::proxy::detail {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct SocketPair {
  explicit SocketPair(asio::io_context& io) : a(io), b(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    a.connect(acceptor.local_endpoint());
    acceptor.accept(b);
  }
  tcp::socket a;
  tcp::socket b;
};

// Reads exactly `size` bytes from `socket` (blocking: the writer has finished or runs on the io_context).
std::string read_exactly(tcp::socket& socket, std::size_t size) {
  std::string got(size, '\0');
  asio::read(socket, asio::buffer(got));
  return got;
}

TEST(MessageSender, SendsASmallChunkedMessageWholeAtOnce) {
  GatewayShared shared;
  Worker worker(0, shared);
  SocketPair pair(worker.io());
  Deadline deadline(worker, pair.a);
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  MessageSender sender(pair.a, deadline, head, /*chunked=*/true);
  boost::system::error_code ec;
  const std::string body = "hello";
  EXPECT_FALSE(sender.send(body.data(), body.size(), /*last=*/true, ec));  // nothing left for write()
  EXPECT_FALSE(ec);
  const std::string expected = head + "5\r\nhello\r\n0\r\n\r\n";
  EXPECT_EQ(read_exactly(pair.b, expected.size()), expected);
  EXPECT_FALSE(sender.send(nullptr, 0, true, ec));  // finished: nothing more to frame
}

TEST(MessageSender, LeavesWhatTheSocketDidNotTakeToWriteInOrder) {
  GatewayShared shared;
  Worker worker(0, shared);
  SocketPair pair(worker.io());
  Deadline deadline(worker, pair.a);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 33554432\r\n\r\n";
  std::string body(32 << 20, '\0');  // more than loopback's socket buffers hold
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 23);
  MessageSender sender(pair.a, deadline, head, /*chunked=*/false);
  boost::system::error_code ec;
  ASSERT_TRUE(sender.send(body.data(), body.size(), /*last=*/true, ec));  // the socket took part of it
  ASSERT_FALSE(ec);

  boost::system::error_code write_ec = asio::error::would_block;
  std::string got;
  asio::co_spawn(
      worker.io(),
      [&]() -> asio::awaitable<void> {
        auto [e, n] = co_await sender.write(10s);
        write_ec = e;
      },
      asio::detached);
  asio::co_spawn(
      worker.io(),
      [&]() -> asio::awaitable<void> {
        got.resize(head.size() + body.size());
        co_await asio::async_read(pair.b, asio::buffer(got), asio::as_tuple(asio::use_awaitable));
        worker.request_stop();
      },
      asio::detached);
  worker.start();
  worker.io().run_for(30s);  // bound only
  EXPECT_FALSE(write_ec);
  ASSERT_EQ(got.size(), head.size() + body.size());
  EXPECT_EQ(got.substr(0, head.size()), head);
  EXPECT_TRUE(got.compare(head.size(), body.size(), body) == 0) << "the body arrived altered or out of order";
}

TEST(MessageSender, ReportsAPeerThatResetTheConnection) {
  GatewayShared shared;
  Worker worker(0, shared);
  SocketPair pair(worker.io());
  Deadline deadline(worker, pair.a);
  pair.b.set_option(asio::socket_base::linger(true, 0));  // close() sends RST
  pair.b.close();
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  MessageSender sender(pair.a, deadline, head, /*chunked=*/false);
  boost::system::error_code ec;
  EXPECT_FALSE(sender.send(nullptr, 0, true, ec));  // failed, not left for write()
  EXPECT_TRUE(ec);  // ECONNRESET or EPIPE, and no SIGPIPE (the test process would die)
}

}  // namespace
}  // namespace wasmgate::proxy::detail
