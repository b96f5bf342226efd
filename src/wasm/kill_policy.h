// When a pooled VM must be destroyed: Otoroshi's killOptions (spec otoroshi-wasm.md §1.2, §8) as pure
// decisions over a usage snapshot, so the pool and its tests share one definition of each trigger.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "model/wasm_config.h"

namespace wasmgate::wasm {

// Why a VM was destroyed. Each is a counter in the pool stats and a metric label.
enum class KillReason : std::uint8_t {
  MaxCalls,     // calls >= killOptions.max_calls, at release
  Failed,       // the VM failed (trap, timeout, out of memory) or its holder discarded it, at release
  Memory,       // memory above killOptions.max_memory_usage × memoryPages × 64 KiB, by the cleaner
  AvgDuration,  // mean call duration above killOptions.max_avg_call_duration ms, by the cleaner
  Unused,       // idle for more than killOptions.max_unused_duration ms, by the cleaner
  Retired,      // its pool was retired (hot reload) and nobody waits for it
};
inline constexpr std::size_t kKillReasonCount = 6;

// "max_calls", "failed", "memory", "avg_duration", "unused", "retired".
std::string_view kill_reason_name(KillReason reason);

using KillCounts = std::array<std::uint64_t, kKillReasonCount>;

// What the pool remembers of a VM between leases (read from PooledVm when it is created or returned).
struct VmUsage {
  bool failed = false;
  std::uint64_t calls = 0;
  std::chrono::nanoseconds total_call_time{0};
  std::size_t memory_bytes = 0;
  std::chrono::steady_clock::time_point last_used{};  // creation or last return to the pool (pool's clock)
};

inline constexpr std::size_t kWasmPageBytes = 65536;

class KillPolicy {
 public:
  // `memory_pages` is the config's memoryPages, the denominator of max_memory_usage.
  KillPolicy(const model::WasmKillOptions& options, int memory_pages);

  // Inline check when a lease is returned: Failed, then MaxCalls. Applies to immortal pools too (as in
  // Otoroshi, immortal only exempts from the cleaner).
  std::optional<KillReason> at_release(const VmUsage& usage) const;

  // The cleaner's check at `now` (0 disables each limit; immortal disables all). Memory, then AvgDuration,
  // then Unused. A busy VM is in use, so Unused never applies to it; memory and mean duration are read from
  // its snapshot at the start of the current lease.
  std::optional<KillReason> on_clean(const VmUsage& usage, bool busy,
                                     std::chrono::steady_clock::time_point now) const;

  const model::WasmKillOptions& options() const { return options_; }
  // Whether a decision reads VmUsage::memory_bytes (max_memory_usage set, not immortal): reading a VM's memory
  // size takes its store, so the pool skips it when nothing uses it.
  bool reads_memory() const { return memory_limit_bytes_ > 0.0 && !options_.immortal; }

 private:
  model::WasmKillOptions options_;
  double memory_limit_bytes_;  // 0 = disabled
};

}  // namespace wasmgate::wasm
