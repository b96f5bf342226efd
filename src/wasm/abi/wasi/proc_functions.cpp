// args, environ, clocks, random, proc_exit, proc_raise, sched_yield, poll_oneoff and the socket functions.
#include "wasm/abi/wasi/wasi_functions.h"

#include <openssl/rand.h>
#include <time.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <thread>

namespace wasmgate::abi {
namespace {

// The host clock behind a WASI clock id. Both CPU-time clocks read this thread's: the process clock would
// tell a plugin how busy the whole gateway is.
std::optional<clockid_t> host_clock(std::uint32_t id) {
  switch (id) {
    case wasi_flags::kClockRealtime:
      return CLOCK_REALTIME;
    case wasi_flags::kClockMonotonic:
      return CLOCK_MONOTONIC;
    case wasi_flags::kClockProcessCputime:
    case wasi_flags::kClockThreadCputime:
      return CLOCK_THREAD_CPUTIME_ID;
    default:
      return std::nullopt;
  }
}

std::optional<std::uint64_t> now_ns(std::uint32_t id) {
  const auto clock = host_clock(id);
  timespec ts{};
  if (!clock || clock_gettime(*clock, &ts) != 0) return std::nullopt;
  return wasi_timestamp(ts);
}

// Both counts 0: a plugin sees no arguments and none of the gateway's environment.
WasiErrno store_empty_sizes(WasiCall& call) {
  if (const WasiErrno e = call.store<std::uint32_t>(call.u32(0), 0); e != wasi_errno::kSuccess) return e;
  return call.store<std::uint32_t>(call.u32(1), 0);
}

}  // namespace

// args_get(argv: ptr, argv_buf: ptr) -> errno — nothing to write.
Result<WasiErrno> wasi_args_get(WasiCall&) {
  return wasi_errno::kSuccess;
}
// args_sizes_get(argc: ptr<u32>, argv_buf_size: ptr<u32>) -> errno — 0 and 0.
Result<WasiErrno> wasi_args_sizes_get(WasiCall& call) {
  return store_empty_sizes(call);
}
// environ_get(environ: ptr, environ_buf: ptr) -> errno — nothing to write.
Result<WasiErrno> wasi_environ_get(WasiCall&) {
  return wasi_errno::kSuccess;
}
// environ_sizes_get(count: ptr<u32>, buf_size: ptr<u32>) -> errno — 0 and 0.
Result<WasiErrno> wasi_environ_sizes_get(WasiCall& call) {
  return store_empty_sizes(call);
}

// clock_res_get(id: u32, resolution: ptr<u64>) -> errno — EINVAL for an unknown clock.
Result<WasiErrno> wasi_clock_res_get(WasiCall& call) {
  const auto clock = host_clock(call.u32(0));
  timespec ts{};
  if (!clock || clock_getres(*clock, &ts) != 0) return wasi_errno::kInval;
  return call.store<std::uint64_t>(call.u32(1), std::max<std::uint64_t>(wasi_timestamp(ts), 1));
}

// clock_time_get(id: u32, precision: u64, time: ptr<u64>) -> errno — nanoseconds; precision is a hint.
Result<WasiErrno> wasi_clock_time_get(WasiCall& call) {
  const auto now = now_ns(call.u32(0));
  if (!now) return wasi_errno::kInval;
  return call.store<std::uint64_t>(call.u32(2), *now);
}

// random_get(buf: ptr, len: u32) -> errno — OpenSSL's CSPRNG; EIO if it fails (never silently weak bytes).
Result<WasiErrno> wasi_random_get(WasiCall& call) {
  auto out = call.memory.slice(call.u32(0), call.u32(1));
  if (!out) return wasi_errno::kFault;
  std::size_t done = 0;
  while (done < out->size()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(out->size() - done, INT_MAX));
    if (RAND_bytes(out->data() + done, chunk) != 1) return wasi_errno::kIo;
    done += static_cast<std::size_t>(chunk);
  }
  return wasi_errno::kSuccess;
}

// proc_exit(rval: u32) -> noreturn — records the code and ends the guest call (an Error unwinds the guest,
// as a trap). The VM then reads the code (wasi_exit_code): 0 is a successful call, else PluginTrap.
// Pending stdout/stderr lines are logged first.
Result<WasiErrno> wasi_proc_exit(WasiCall& call) {
  const auto code = static_cast<std::int32_t>(call.u32(0));
  call.state.stdout_log().flush();
  call.state.stderr_log().flush();
  call.state.exit_code = code;
  return make_error(Errc::PluginTrap, fmt::format("exited with code {} (proc_exit)", code));
}

// proc_raise(sig: u8) -> errno — removed from later WASI versions; signals do not exist here.
Result<WasiErrno> wasi_proc_raise(WasiCall&) {
  return wasi_errno::kNosys;
}

// sched_yield() -> errno — one guest per VM, nothing to yield to.
Result<WasiErrno> wasi_sched_yield(WasiCall&) {
  return wasi_errno::kSuccess;
}

// poll_oneoff(in: ptr<subscription>, out: ptr<event>, nsubscriptions: u32, nevents: ptr<u32>) -> errno
//   fd subscriptions are ready at once (files and the log never block); otherwise waits for the earliest
//   clock subscription, but never past the call's deadline (the call then ends as a timeout). Note the
//   wait holds the thread the call runs on.
Result<WasiErrno> wasi_poll_oneoff(WasiCall& call) {
  using namespace wasi_layout;
  const std::uint32_t in = call.u32(0), out = call.u32(1), count = call.u32(2), nevents_ptr = call.u32(3);
  if (count == 0) return wasi_errno::kInval;
  auto subs = call.memory.slice(in, std::uint64_t{count} * kSubscriptionSize);
  auto events = call.memory.slice(out, std::uint64_t{count} * kEventSize);
  if (!subs || !events) return wasi_errno::kFault;
  const engine::MemoryView sub_view{subs->data(), subs->size()};
  const engine::MemoryView event_view{events->data(), events->size()};
  std::uint32_t written = 0;
  auto emit = [&](std::uint64_t userdata, WasiErrno error, std::uint8_t type) {
    const std::uint64_t at = std::uint64_t{written++} * kEventSize;
    std::fill_n(events->data() + at, kEventSize, std::uint8_t{0});
    event_view.store<std::uint64_t>(at, userdata);
    event_view.store<std::uint16_t>(at + 8, error);
    event_view.store<std::uint8_t>(at + 10, type);
  };

  struct ClockWait {
    std::uint64_t userdata;
    std::chrono::nanoseconds remaining;
  };
  std::vector<ClockWait> clocks;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t at = std::uint64_t{i} * kSubscriptionSize;
    const std::uint64_t userdata = *sub_view.load<std::uint64_t>(at);
    const std::uint8_t type = *sub_view.load<std::uint8_t>(at + 8);
    if (type == wasi_flags::kEventClock) {
      const std::uint32_t id = *sub_view.load<std::uint32_t>(at + 16);
      const std::uint64_t timeout = *sub_view.load<std::uint64_t>(at + 24);
      const bool absolute =
          (*sub_view.load<std::uint16_t>(at + 40) & wasi_flags::kSubscriptionClockAbstime) != 0;
      const auto now = now_ns(id);
      if (!now) {
        emit(userdata, wasi_errno::kInval, type);
        continue;
      }
      const std::uint64_t left = absolute ? (timeout > *now ? timeout - *now : 0) : timeout;
      clocks.push_back({userdata, std::chrono::nanoseconds(std::min<std::uint64_t>(left, INT64_MAX))});
    } else if (type == wasi_flags::kEventFdRead || type == wasi_flags::kEventFdWrite) {
      WasiFd* fd = nullptr;
      emit(userdata, call.lookup(*sub_view.load<std::uint32_t>(at + 16), 0, fd), type);
    } else {
      emit(userdata, wasi_errno::kInval, type);
    }
  }
  if (written == 0 && !clocks.empty()) {
    const auto earliest = std::min_element(
        clocks.begin(), clocks.end(), [](const auto& a, const auto& b) { return a.remaining < b.remaining; });
    const auto deadline = call.host.deadline();
    const auto start = engine::Clock::now();
    const auto wake = deadline - start < earliest->remaining ? deadline : start + earliest->remaining;
    std::this_thread::sleep_until(wake);
    const auto slept = engine::Clock::now() - start;
    for (const auto& clock : clocks) {
      if (clock.remaining <= slept) emit(clock.userdata, wasi_errno::kSuccess, wasi_flags::kEventClock);
    }
  }
  return call.store<std::uint32_t>(nevents_ptr, written);
}

// sock_accept(fd, flags, fd_out) / sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags) /
// sock_send(fd, si_data, si_data_len, si_flags, so_datalen) / sock_shutdown(fd, how) -> errno
//   A plugin is given no socket: EBADF for a closed fd, ENOTSOCK for any open one.
namespace {
WasiErrno not_a_socket(WasiCall& call) {
  return call.state.get(call.u32(0)) == nullptr ? wasi_errno::kBadf : wasi_errno::kNotsock;
}
}  // namespace
Result<WasiErrno> wasi_sock_accept(WasiCall& call) {
  return not_a_socket(call);
}
Result<WasiErrno> wasi_sock_recv(WasiCall& call) {
  return not_a_socket(call);
}
Result<WasiErrno> wasi_sock_send(WasiCall& call) {
  return not_a_socket(call);
}
Result<WasiErrno> wasi_sock_shutdown(WasiCall& call) {
  return not_a_socket(call);
}

}  // namespace wasmgate::abi
