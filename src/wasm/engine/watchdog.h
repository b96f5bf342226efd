// One thread and a timer queue for every call deadline of an engine (not a thread per call, as Extism's
// timer.rs). Timers are intrusive (one per store, re-armed per call), so arming allocates nothing after
// warm-up.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "wasm/engine/deadline.h"

namespace wasmgate::engine {

class Watchdog {
 public:
  // A timer owned by its user. `fire(context)` runs on the watchdog thread with the watchdog's lock held:
  // keep it short and never call back into the watchdog from it.
  class Timer {
   public:
    using FireFn = void (*)(void* context);
    Timer(FireFn fire, void* context) : fire_(fire), context_(context) {}
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    bool armed() const { return index_ != kNotArmed; }

   private:
    friend class Watchdog;
    static constexpr std::size_t kNotArmed = static_cast<std::size_t>(-1);
    FireFn fire_;
    void* context_;
    Deadline deadline_{};
    std::size_t index_ = kNotArmed;  // position in the heap; guarded by the watchdog's mutex
  };

  Watchdog();
  ~Watchdog();  // joins the thread; every timer must be disarmed (or never armed) by then
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Arms (or re-arms) `timer` for `deadline`. Thread-safe.
  void arm(Timer& timer, Deadline deadline);
  // Disarms `timer`; once this returns its fire function is not running and will not run. Thread-safe.
  void disarm(Timer& timer);
  std::size_t armed_count() const;

 private:
  void run();
  bool less(std::size_t a, std::size_t b) const { return heap_[a]->deadline_ < heap_[b]->deadline_; }
  void swap_nodes(std::size_t a, std::size_t b);
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void remove_at(std::size_t i);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Timer*> heap_;  // min-heap by deadline
  bool stopping_ = false;
  Deadline sleeping_until_ = Deadline::min();  // when the thread will wake by itself; min() while awake
  std::thread thread_;
};

}  // namespace wasmgate::engine
