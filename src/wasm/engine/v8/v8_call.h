// One guest call (or instantiation, whose start function runs guest code) from the host's side: deadline
// armed on the way in, termination cancelled on the way out, and a failed call turned into one Failure.
#pragma once

#include <v8.h>

#include "wasm/engine/outcome.h"
#include "wasm/engine/v8/v8_store.h"

namespace wasmgate::engine {

enum class CallPhase : std::uint8_t { Call, Instantiate };

// What a V8 exception means for us: trap, host error, link error, out of memory, timeout…
Failure classify_failure(V8Store& store, const v8::TryCatch& try_catch, StopReason reason, CallPhase phase);

class GuestCall {
 public:
  GuestCall(V8Store& store, Deadline deadline, CallPhase phase = CallPhase::Call)
      : store_(store), started_(store.begin_call(deadline, phase == CallPhase::Call)) {}
  ~GuestCall() {
    if (started_ && !ended_) store_.end_call();
  }
  GuestCall(const GuestCall&) = delete;
  GuestCall& operator=(const GuestCall&) = delete;

  // False when the deadline had already passed: do not call the guest, return expired().
  bool started() const { return started_; }
  static Failure expired() {
    return make_failure(Outcome::Timeout, "deadline passed before the guest call started");
  }

  // The guest returned normally (a termination that arrived too late is cancelled).
  void succeed() { end(); }
  // The guest call returned no value: classify why.
  Failure fail(const v8::TryCatch& try_catch, CallPhase phase = CallPhase::Call) {
    // Classify before ending: ending cancels a pending termination, which also clears HasTerminated().
    Failure failure = classify_failure(store_, try_catch, store_.stop_reason(), phase);
    end();
    return failure;
  }

 private:
  StopReason end() {
    ended_ = true;
    return store_.end_call();
  }

  V8Store& store_;
  bool started_;
  bool ended_ = false;
};

}  // namespace wasmgate::engine
