#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "proxy/worker.h"

namespace wasmgate::proxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A connected pair of sockets on loopback, on the worker's io_context.
struct SocketPair {
  explicit SocketPair(asio::io_context& io) : a(io), b(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    a.connect(acceptor.local_endpoint());
    acceptor.accept(b);
  }
  tcp::socket a;
  tcp::socket b;
};

TEST(Deadline, CancelsAPendingReadWhenItExpires) {
  GatewayShared shared;
  Worker worker(0, shared);
  SocketPair pair(worker.io());
  Deadline deadline(worker, pair.a);
  boost::system::error_code result;
  bool done = false;
  deadline.expires_after(20ms);
  asio::co_spawn(
      worker.io(),
      [&]() -> asio::awaitable<void> {
        char byte;
        auto [ec, n] = co_await pair.a.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
        result = ec;
        done = true;
        worker.request_stop();
      },
      asio::detached);
  worker.start();
  worker.io().run_for(10s);  // bound only; the read ends at the first tick after 20 ms
  ASSERT_TRUE(done);
  EXPECT_EQ(result, asio::error::operation_aborted);
  EXPECT_TRUE(deadline.expired());
}

TEST(Deadline, LeavesOperationsThatCompleteInTimeAlone) {
  GatewayShared shared;
  Worker worker(0, shared);
  SocketPair pair(worker.io());
  Deadline deadline(worker, pair.a);
  boost::system::error_code result = asio::error::would_block;
  deadline.expires_after(10s);
  asio::co_spawn(
      worker.io(),
      [&]() -> asio::awaitable<void> {
        char byte;
        auto [ec, n] = co_await pair.a.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
        result = ec;
        worker.request_stop();
      },
      asio::detached);
  asio::write(pair.b, asio::buffer("x", 1));
  worker.start();
  worker.io().run_for(10s);
  EXPECT_FALSE(result);
  EXPECT_FALSE(deadline.expired());
}

}  // namespace
}  // namespace wasmgate::proxy
