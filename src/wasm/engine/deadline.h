#pragma once

#include <chrono>

namespace wasmgate::engine {

// Deadlines are absolute steady-clock instants, so a deadline set for a request propagates unchanged into the
// guest call and its host functions (a host HTTP call takes min(remaining, its own timeout)).
using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

inline Deadline deadline_after(std::chrono::nanoseconds timeout) {
  return Clock::now() + timeout;
}

}  // namespace wasmgate::engine
