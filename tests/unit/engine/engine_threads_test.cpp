// Stores on threads: two stores run at once on two threads; one store is used by different threads in turn.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using testing::compile_fixture;
using testing::instantiate;
using testing::shared_engine;

TEST(EngineThreads, TwoStoresRunConcurrentlyOnTwoThreads) {
  auto module = compile_fixture("host_add");
  auto loop_module = compile_fixture("loop");
  std::vector<int> sums(2, 0);
  std::vector<Outcome> timeouts(2, Outcome::Ok);
  auto work = [&](int index) {
    auto store = shared_engine().new_store();
    auto instance = instantiate(*store, module, testing::host_add_imports());
    auto loop = instantiate(*store, loop_module);
    for (int i = 0; i < 200; ++i) {
      const Value args[] = {Value::i32(1000)};
      auto result = instance->call("call_host_n", args);
      if (result) sums[index] += result->at(0).as_i32();
    }
    timeouts[index] = loop->call("spin", {}, deadline_after(std::chrono::milliseconds(30))).outcome();
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  EXPECT_EQ(sums[0], 200 * 1000);
  EXPECT_EQ(sums[1], 200 * 1000);
  EXPECT_EQ(timeouts[0], Outcome::Timeout);
  EXPECT_EQ(timeouts[1], Outcome::Timeout);
}

TEST(EngineThreads, OneStoreServesDifferentThreadsInTurn) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("recursion"));
  for (int round = 0; round < 3; ++round) {
    std::thread t([&] {
      EXPECT_EQ(instance->call("answer", {})->at(0), Value::i32(42));
      const Value zero[] = {Value::i32(0)};
      EXPECT_EQ(instance->call("recurse", zero).outcome(), Outcome::Trap);  // stack limit of this thread
    });
    t.join();
  }
  EXPECT_EQ(instance->call("answer", {})->at(0), Value::i32(42));
}

TEST(EngineThreads, StoreLockPinsTheStoreToOneThreadAtATime) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  std::atomic<int> phase{0};
  std::thread holder([&] {
    StoreLock lock(*store);
    StoreLock nested(*store);  // nestable
    EXPECT_EQ(*instance->call_i32(*instance->func("answer")), 42);
    phase = 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_EQ(instance->call("spin", {}, deadline_after(std::chrono::milliseconds(10))).outcome(),
              Outcome::Timeout);
    phase = 2;
  });
  while (phase.load() == 0) std::this_thread::yield();
  auto result = instance->call("answer", {});  // blocks until the holder releases the store
  EXPECT_EQ(phase.load(), 2);
  EXPECT_EQ(result->at(0), Value::i32(42));
  holder.join();
}

TEST(EngineThreads, StoreCanBeDestroyedWhileItsLockIsHeld) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  store->lock_thread();
  instance.reset();
  store.reset();  // releases the forgotten lock first
  SUCCEED();
}

TEST(EngineThreads, StoreCanBeDestroyedOnAnotherThreadThanItWasCreated) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  std::thread t([&] {
    instance.reset();
    store.reset();
  });
  t.join();
  EXPECT_EQ(store, nullptr);
}

}  // namespace
}  // namespace wasmgate::engine
