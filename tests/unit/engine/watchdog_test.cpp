#include "wasm/engine/watchdog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace wasmgate::engine {
namespace {

using namespace std::chrono_literals;

struct Counter {
  std::atomic<int> fired{0};
  static void fire(void* self) { static_cast<Counter*>(self)->fired.fetch_add(1); }
};

void wait_until(const std::atomic<int>& value, int expected) {
  for (int i = 0; i < 2000 && value.load() < expected; ++i) std::this_thread::sleep_for(1ms);
}

TEST(Watchdog, FiresAnArmedTimerOnce) {
  Watchdog watchdog;
  Counter counter;
  Watchdog::Timer timer(&Counter::fire, &counter);
  watchdog.arm(timer, deadline_after(5ms));
  wait_until(counter.fired, 1);
  EXPECT_EQ(counter.fired.load(), 1);
  EXPECT_FALSE(timer.armed());
  EXPECT_EQ(watchdog.armed_count(), 0u);
}

TEST(Watchdog, DisarmedTimerNeverFires) {
  Watchdog watchdog;
  Counter counter;
  Watchdog::Timer timer(&Counter::fire, &counter);
  watchdog.arm(timer, deadline_after(50ms));
  watchdog.disarm(timer);
  std::this_thread::sleep_for(80ms);
  EXPECT_EQ(counter.fired.load(), 0);
}

TEST(Watchdog, EarlierTimerArmedLaterStillFiresFirst) {
  Watchdog watchdog;
  Counter slow, fast;
  Watchdog::Timer slow_timer(&Counter::fire, &slow);
  Watchdog::Timer fast_timer(&Counter::fire, &fast);
  watchdog.arm(slow_timer, deadline_after(10s));
  watchdog.arm(fast_timer, deadline_after(1ms));
  wait_until(fast.fired, 1);
  EXPECT_EQ(fast.fired.load(), 1);
  EXPECT_EQ(slow.fired.load(), 0);
  EXPECT_TRUE(slow_timer.armed());
  watchdog.disarm(slow_timer);
}

TEST(Watchdog, RearmingMovesTheDeadline) {
  Watchdog watchdog;
  Counter counter;
  Watchdog::Timer timer(&Counter::fire, &counter);
  watchdog.arm(timer, deadline_after(10s));
  watchdog.arm(timer, deadline_after(1ms));
  wait_until(counter.fired, 1);
  EXPECT_EQ(counter.fired.load(), 1);
  EXPECT_EQ(watchdog.armed_count(), 0u);
}

TEST(Watchdog, ManyTimersAllFire) {
  Watchdog watchdog;
  Counter counter;
  std::vector<std::unique_ptr<Watchdog::Timer>> timers;
  for (int i = 0; i < 100; ++i) {
    timers.push_back(std::make_unique<Watchdog::Timer>(&Counter::fire, &counter));
    watchdog.arm(*timers.back(), deadline_after(std::chrono::microseconds((i * 37) % 1000)));
  }
  wait_until(counter.fired, 100);
  EXPECT_EQ(counter.fired.load(), 100);
}

}  // namespace
}  // namespace wasmgate::engine
