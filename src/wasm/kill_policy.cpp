#include "wasm/kill_policy.h"

namespace wasmgate::wasm {

std::string_view kill_reason_name(KillReason reason) {
  switch (reason) {
    case KillReason::MaxCalls:
      return "max_calls";
    case KillReason::Failed:
      return "failed";
    case KillReason::Memory:
      return "memory";
    case KillReason::AvgDuration:
      return "avg_duration";
    case KillReason::Unused:
      return "unused";
    case KillReason::Retired:
      return "retired";
  }
  return "failed";
}

KillPolicy::KillPolicy(const model::WasmKillOptions& options, int memory_pages)
    : options_(options),
      memory_limit_bytes_(options.max_memory_usage > 0.0 && memory_pages > 0
                              ? options.max_memory_usage * static_cast<double>(memory_pages) *
                                    static_cast<double>(kWasmPageBytes)
                              : 0.0) {}

std::optional<KillReason> KillPolicy::at_release(const VmUsage& usage) const {
  if (usage.failed) return KillReason::Failed;
  // max_calls <= 0 (accepted by the parser) means every VM serves one lease: calls >= 0 always holds.
  if (static_cast<std::int64_t>(usage.calls) >= options_.max_calls) return KillReason::MaxCalls;
  return std::nullopt;
}

std::optional<KillReason> KillPolicy::on_clean(const VmUsage& usage, bool busy,
                                               std::chrono::steady_clock::time_point now) const {
  // [quirk] not kept: wasm4s filters its "available" list by isAquired(), so idle VMs are never reaped and
  // only busy ones are checked. Here both are (idle ones are destroyed, busy ones marked by the pool).
  if (options_.immortal) return std::nullopt;
  if (memory_limit_bytes_ > 0.0 && static_cast<double>(usage.memory_bytes) > memory_limit_bytes_) {
    return KillReason::Memory;
  }
  if (options_.max_avg_call_duration_ms > 0 && usage.calls > 0) {
    const auto mean = usage.total_call_time / static_cast<std::int64_t>(usage.calls);
    if (mean > std::chrono::milliseconds(options_.max_avg_call_duration_ms)) return KillReason::AvgDuration;
  }
  if (!busy && options_.max_unused_duration_ms > 0 &&
      now - usage.last_used > std::chrono::milliseconds(options_.max_unused_duration_ms)) {
    return KillReason::Unused;
  }
  return std::nullopt;
}

}  // namespace wasmgate::wasm
