// Kept store locks (store.h keep_store_locks): a thread that keeps the locks of the stores it used holds them
// until it releases them; other threads wait for that, never deadlock on each other's kept locks, and a kept
// store can still be destroyed from any thread.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using namespace std::chrono_literals;
using testing::compile_fixture;
using testing::instantiate;
using testing::shared_engine;

void wait_for(const std::atomic<int>& phase, int value) {
  while (phase.load() < value) std::this_thread::yield();
}

std::int32_t answer(Instance& instance) {
  auto result = instance.call_i32(*instance.func("answer"));
  return result ? *result : -1;
}

// A thread that called `instance` once while keeping store locks, and keeps its store until release().
class Keeper {
 public:
  explicit Keeper(Instance& instance)
      : thread_([this, &instance] {
          keep_store_locks([] {});
          EXPECT_EQ(answer(instance), 42);
          phase_ = 1;
          wait_for(phase_, 2);
          stop_keeping_store_locks();
        }) {
    wait_for(phase_, 1);
  }
  ~Keeper() {
    if (thread_.joinable()) release();
  }
  void release() {
    phase_ = 2;
    thread_.join();
  }

 private:
  std::atomic<int> phase_{0};
  std::thread thread_;
};

// Runs `work` on another thread while `keeper` keeps the store: still waiting 30 ms later, done once
// released.
void expect_waits_for(Keeper& keeper, const std::function<void()>& work) {
  std::atomic<bool> done{false};
  std::thread other([&] {
    work();
    done = true;
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(done.load());
  keeper.release();
  other.join();
  EXPECT_TRUE(done.load());
}

TEST(KeptStoreLocks, TheKeeperHoldsTheStoreUntilItReleases) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  std::atomic<int> phase{0};
  int scheduled = 0;
  std::thread keeper([&] {
    keep_store_locks([&] { ++scheduled; });
    EXPECT_EQ(answer(*instance), 42);
    EXPECT_EQ(answer(*instance), 42);  // the kept lock reused; scheduled once until released
    EXPECT_EQ(store->holder(), StoreHolder::ThisThread);
    phase = 1;
    wait_for(phase, 2);
    release_kept_store_locks();
    phase = 3;
    wait_for(phase, 4);
    stop_keeping_store_locks();
  });
  wait_for(phase, 1);
  EXPECT_EQ(store->holder(), StoreHolder::OtherThread);
  EXPECT_EQ(scheduled, 1);
  phase = 2;
  wait_for(phase, 3);
  EXPECT_EQ(store->holder(), StoreHolder::Nobody);
  EXPECT_EQ(answer(*instance), 42);  // this thread does not keep: released at once
  EXPECT_EQ(store->holder(), StoreHolder::Nobody);
  phase = 4;
  keeper.join();
}

TEST(KeptStoreLocks, AContendedStoreIsNoLongerKept) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  store->stop_keeping_lock();
  std::thread keeper([&] {
    keep_store_locks([] {});
    EXPECT_EQ(answer(*instance), 42);
    EXPECT_EQ(store->holder(), StoreHolder::Nobody);  // released at once
    stop_keeping_store_locks();
  });
  keeper.join();
}

TEST(KeptStoreLocks, TheKeeperCanLetGoOfOneStoreAtOnce) {
  auto store = shared_engine().new_store();
  auto other = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  auto other_instance = instantiate(*other, compile_fixture("loop"));
  std::thread keeper([&] {
    keep_store_locks([] {});
    EXPECT_EQ(answer(*instance), 42);
    EXPECT_EQ(answer(*other_instance), 42);
    store->release_kept_lock();  // as VmPool does when it hands the VM to a waiting thread
    EXPECT_EQ(store->holder(), StoreHolder::Nobody);
    EXPECT_EQ(other->holder(), StoreHolder::ThisThread);  // the others stay kept
    EXPECT_EQ(answer(*instance), 42);                     // and keeping it again still works
    EXPECT_EQ(store->holder(), StoreHolder::ThisThread);
    stop_keeping_store_locks();
  });
  keeper.join();
  EXPECT_EQ(store->holder(), StoreHolder::Nobody);
  EXPECT_EQ(other->holder(), StoreHolder::Nobody);
  store->release_kept_lock();  // not kept by this thread: nothing
  EXPECT_EQ(answer(*instance), 42);
}

TEST(KeptStoreLocks, AnotherThreadWaitsForTheKeepersRelease) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  Keeper keeper(*instance);
  expect_waits_for(keeper, [&] { EXPECT_EQ(answer(*instance), 42); });
}

// Each keeper holds one store and then wants the other's: a keeper that must wait lets go of its own first.
TEST(KeptStoreLocks, TwoKeepersWantingEachOthersStoresDoNotDeadlock) {
  auto module = compile_fixture("loop");
  auto store_a = shared_engine().new_store();
  auto store_b = shared_engine().new_store();
  auto instance_a = instantiate(*store_a, module);
  auto instance_b = instantiate(*store_b, module);
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> ready{0};
    auto keeper = [&](Instance& mine, Instance& theirs) {
      keep_store_locks([] {});
      EXPECT_EQ(answer(mine), 42);
      ++ready;
      wait_for(ready, 2);
      EXPECT_EQ(answer(theirs), 42);
      release_kept_store_locks();  // as its timer would
      stop_keeping_store_locks();
    };
    std::thread a(keeper, std::ref(*instance_a), std::ref(*instance_b));
    std::thread b(keeper, std::ref(*instance_b), std::ref(*instance_a));
    a.join();
    b.join();
  }
  EXPECT_EQ(store_a->holder(), StoreHolder::Nobody);
  EXPECT_EQ(store_b->holder(), StoreHolder::Nobody);
}

TEST(KeptStoreLocks, AStoreKeptByAnotherThreadIsDestroyedOnceReleased) {
  auto store = shared_engine().new_store();
  auto instance = instantiate(*store, compile_fixture("loop"));
  Keeper keeper(*instance);
  expect_waits_for(keeper, [&] {
    instance.reset();
    store.reset();
  });
  EXPECT_EQ(store, nullptr);
}

TEST(KeptStoreLocks, TheKeeperCanDestroyAStoreItKeeps) {
  std::thread keeper([] {
    keep_store_locks([] {});
    auto kept = shared_engine().new_store();
    auto instance = instantiate(*kept, compile_fixture("loop"));
    auto other = shared_engine().new_store();
    auto other_instance = instantiate(*other, compile_fixture("loop"));
    EXPECT_EQ(answer(*instance), 42);
    EXPECT_EQ(answer(*other_instance), 42);
    instance.reset();
    kept.reset();  // leaves this thread's kept list
    release_kept_store_locks();
    EXPECT_EQ(answer(*other_instance), 42);
    stop_keeping_store_locks();
    std::thread([&] { EXPECT_EQ(other->holder(), StoreHolder::Nobody); }).join();
  });
  keeper.join();
}

}  // namespace
}  // namespace wasmgate::engine
