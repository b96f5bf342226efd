#include "wasm/engine/watchdog.h"

#include <utility>

namespace wasmgate::engine {

Watchdog::Watchdog() : thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::arm(Timer& timer, Deadline deadline) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (timer.armed()) remove_at(timer.index_);
    timer.deadline_ = deadline;
    timer.index_ = heap_.size();
    heap_.push_back(&timer);
    sift_up(timer.index_);
    // Wake the thread only if it sleeps past this deadline. In the common case (calls with the same timeout,
    // each deadline later than the one the thread sleeps until) arming costs a lock and no system call.
    wake = deadline < sleeping_until_;
  }
  if (wake) wake_.notify_one();
}

void Watchdog::disarm(Timer& timer) {
  std::lock_guard lock(mutex_);
  if (timer.armed()) remove_at(timer.index_);
}

std::size_t Watchdog::armed_count() const {
  std::lock_guard lock(mutex_);
  return heap_.size();
}

void Watchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (heap_.empty()) {
      sleeping_until_ = Deadline::max();
      wake_.wait(lock);
      sleeping_until_ = Deadline::min();  // awake: it re-reads the heap before sleeping again
      continue;
    }
    Timer* front = heap_.front();
    if (Clock::now() < front->deadline_) {
      sleeping_until_ = front->deadline_;
      wake_.wait_until(lock, sleeping_until_);
      sleeping_until_ = Deadline::min();
      continue;
    }
    remove_at(0);
    front->fire_(front->context_);
  }
}

void Watchdog::swap_nodes(std::size_t a, std::size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a]->index_ = a;
  heap_[b]->index_ = b;
}

void Watchdog::sift_up(std::size_t i) {
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!less(i, parent)) break;
    swap_nodes(i, parent);
    i = parent;
  }
}

void Watchdog::sift_down(std::size_t i) {
  for (;;) {
    std::size_t smallest = i;
    const std::size_t left = 2 * i + 1;
    const std::size_t right = left + 1;
    if (left < heap_.size() && less(left, smallest)) smallest = left;
    if (right < heap_.size() && less(right, smallest)) smallest = right;
    if (smallest == i) return;
    swap_nodes(i, smallest);
    i = smallest;
  }
}

void Watchdog::remove_at(std::size_t i) {
  Timer* removed = heap_[i];
  const std::size_t last = heap_.size() - 1;
  if (i != last) swap_nodes(i, last);
  heap_.pop_back();
  removed->index_ = Timer::kNotArmed;
  if (i < heap_.size()) {
    sift_up(i);
    sift_down(i);
  }
}

}  // namespace wasmgate::engine
