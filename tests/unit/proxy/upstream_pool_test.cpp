#include "proxy/upstream_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

namespace wasmgate::proxy {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class UpstreamPoolTest : public ::testing::Test {
 protected:
  UpstreamConnectionPtr open_connection(const std::string& key) {
    auto conn = std::make_unique<UpstreamConnection>(worker_);
    conn->socket.open(boost::asio::ip::tcp::v4());  // open is all the pool checks; no peer needed
    conn->key = key;
    return conn;
  }

  GatewayShared shared_;
  Worker worker_{0, shared_};
  UpstreamPool pool_;
};

TEST_F(UpstreamPoolTest, GivesBackTheConnectionForTheSameKeyMarkedReused) {
  const auto now = Clock::now();
  auto conn = open_connection("127.0.0.1:9000");
  auto* raw = conn.get();
  pool_.give_back(std::move(conn), now, 60s);
  EXPECT_EQ(pool_.take("127.0.0.1:9001", now), nullptr);
  auto again = pool_.take("127.0.0.1:9000", now);
  ASSERT_EQ(again.get(), raw);
  EXPECT_TRUE(again->reused);
  EXPECT_EQ(pool_.take("127.0.0.1:9000", now), nullptr);
}

TEST_F(UpstreamPoolTest, MostRecentlyReturnedComesFirst) {
  const auto now = Clock::now();
  auto a = open_connection("k");
  auto b = open_connection("k");
  auto* raw_b = b.get();
  pool_.give_back(std::move(a), now, 60s);
  pool_.give_back(std::move(b), now, 60s);
  EXPECT_EQ(pool_.take("k", now).get(), raw_b);
}

TEST_F(UpstreamPoolTest, ExpiredConnectionsAreNotReusedAndSweepCloses) {
  const auto now = Clock::now();
  pool_.give_back(open_connection("k"), now, 1s);
  EXPECT_EQ(pool_.take("k", now + 2s), nullptr);
  pool_.give_back(open_connection("k"), now, 1s);
  EXPECT_EQ(pool_.idle_count(), 1u);
  pool_.sweep(now + 2s);
  EXPECT_EQ(pool_.idle_count(), 0u);
}

TEST_F(UpstreamPoolTest, RefusesClosedConnectionsOrOnesWithUnreadBytes) {
  const auto now = Clock::now();
  auto closed = std::make_unique<UpstreamConnection>(worker_);
  closed->key = "k";
  pool_.give_back(std::move(closed), now, 60s);
  auto dirty = open_connection("k");
  auto bytes = dirty->buffer.prepare(4);
  std::memcpy(bytes.data(), "junk", 4);
  dirty->buffer.commit(4);
  pool_.give_back(std::move(dirty), now, 60s);
  EXPECT_EQ(pool_.idle_count(), 0u);
}

TEST_F(UpstreamPoolTest, ZeroIdleTimeoutMeansNoPooling) {
  pool_.give_back(open_connection("k"), Clock::now(), 0s);
  EXPECT_EQ(pool_.idle_count(), 0u);
}

}  // namespace
}  // namespace wasmgate::proxy
