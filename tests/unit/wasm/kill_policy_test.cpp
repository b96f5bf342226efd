#include "wasm/kill_policy.h"

#include <gtest/gtest.h>

namespace wasmgate::wasm {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point kNow = Clock::time_point(100h);

VmUsage usage_used_at(Clock::time_point last_used) {
  VmUsage usage;
  usage.last_used = last_used;
  return usage;
}

TEST(KillPolicy, DefaultsKeepAHealthyVmAtRelease) {
  const KillPolicy policy(model::WasmKillOptions{}, 100);
  VmUsage usage = usage_used_at(kNow);
  usage.calls = 1000;
  EXPECT_EQ(policy.at_release(usage), std::nullopt);
}

TEST(KillPolicy, FailedVmIsKilledAtReleaseBeforeMaxCalls) {
  model::WasmKillOptions options;
  options.max_calls = 1;
  const KillPolicy policy(options, 100);
  VmUsage usage = usage_used_at(kNow);
  usage.failed = true;
  usage.calls = 5;
  EXPECT_EQ(policy.at_release(usage), KillReason::Failed);
}

TEST(KillPolicy, MaxCallsKillsWhenCallsReachTheLimit) {
  model::WasmKillOptions options;
  options.max_calls = 3;
  const KillPolicy policy(options, 100);
  VmUsage usage = usage_used_at(kNow);
  usage.calls = 2;
  EXPECT_EQ(policy.at_release(usage), std::nullopt);
  usage.calls = 3;
  EXPECT_EQ(policy.at_release(usage), KillReason::MaxCalls);
}

TEST(KillPolicy, ImmortalStillRecyclesFailedAndMaxCallsAtRelease) {
  model::WasmKillOptions options;
  options.immortal = true;
  options.max_calls = 1;
  const KillPolicy policy(options, 100);
  VmUsage usage = usage_used_at(kNow);
  usage.calls = 1;
  EXPECT_EQ(policy.at_release(usage), KillReason::MaxCalls);
}

TEST(KillPolicy, UnusedKillsIdleVmPastTheDurationOnly) {
  model::WasmKillOptions options;
  options.max_unused_duration_ms = 1000;
  const KillPolicy policy(options, 100);
  EXPECT_EQ(policy.on_clean(usage_used_at(kNow - 1000ms), false, kNow), std::nullopt);
  EXPECT_EQ(policy.on_clean(usage_used_at(kNow - 1001ms), false, kNow), KillReason::Unused);
}

TEST(KillPolicy, UnusedNeverAppliesToABusyVm) {
  model::WasmKillOptions options;
  options.max_unused_duration_ms = 1000;
  const KillPolicy policy(options, 100);
  EXPECT_EQ(policy.on_clean(usage_used_at(kNow - 1h), true, kNow), std::nullopt);
}

TEST(KillPolicy, ZeroUnusedDurationMeansNever) {
  model::WasmKillOptions options;
  options.max_unused_duration_ms = 0;
  const KillPolicy policy(options, 100);
  EXPECT_EQ(policy.on_clean(usage_used_at(kNow - 1000h), false, kNow), std::nullopt);
}

TEST(KillPolicy, MemoryIsAFractionOfMemoryPages) {
  model::WasmKillOptions options;
  options.max_memory_usage = 0.5;
  const KillPolicy policy(options, 10);  // limit = 0.5 * 10 * 65536 = 327 680 bytes
  VmUsage usage = usage_used_at(kNow);
  usage.memory_bytes = 327680;
  EXPECT_EQ(policy.on_clean(usage, false, kNow), std::nullopt);
  usage.memory_bytes = 327681;
  EXPECT_EQ(policy.on_clean(usage, false, kNow), KillReason::Memory);
  EXPECT_EQ(policy.on_clean(usage, true, kNow), KillReason::Memory);
}

TEST(KillPolicy, ZeroMemoryUsageMeansNever) {
  const KillPolicy policy(model::WasmKillOptions{}, 1);
  VmUsage usage = usage_used_at(kNow);
  usage.memory_bytes = 1u << 30;
  EXPECT_EQ(policy.on_clean(usage, false, kNow), std::nullopt);
}

TEST(KillPolicy, AverageCallDurationAboveTheLimitKills) {
  model::WasmKillOptions options;
  options.max_avg_call_duration_ms = 10;
  const KillPolicy policy(options, 100);
  VmUsage usage = usage_used_at(kNow);
  usage.calls = 4;
  usage.total_call_time = 40ms;  // mean 10 ms: at the limit, kept
  EXPECT_EQ(policy.on_clean(usage, false, kNow), std::nullopt);
  usage.total_call_time = 41ms;
  EXPECT_EQ(policy.on_clean(usage, false, kNow), KillReason::AvgDuration);
  EXPECT_EQ(policy.on_clean(usage, true, kNow), KillReason::AvgDuration);
}

TEST(KillPolicy, AverageDurationIgnoresAVmWithoutCalls) {
  model::WasmKillOptions options;
  options.max_avg_call_duration_ms = 1;
  const KillPolicy policy(options, 100);
  EXPECT_EQ(policy.on_clean(usage_used_at(kNow), false, kNow), std::nullopt);
}

TEST(KillPolicy, ImmortalIsNeverReapedByTheCleaner) {
  model::WasmKillOptions options;
  options.immortal = true;
  options.max_unused_duration_ms = 1;
  options.max_memory_usage = 0.1;
  options.max_avg_call_duration_ms = 1;
  const KillPolicy policy(options, 1);
  VmUsage usage = usage_used_at(kNow - 1h);
  usage.memory_bytes = 1u << 20;
  usage.calls = 1;
  usage.total_call_time = 1s;
  EXPECT_EQ(policy.on_clean(usage, false, kNow), std::nullopt);
  EXPECT_EQ(policy.on_clean(usage, true, kNow), std::nullopt);
}

TEST(KillPolicy, ReasonsHaveSnakeCaseNames) {
  EXPECT_EQ(kill_reason_name(KillReason::MaxCalls), "max_calls");
  EXPECT_EQ(kill_reason_name(KillReason::Failed), "failed");
  EXPECT_EQ(kill_reason_name(KillReason::Memory), "memory");
  EXPECT_EQ(kill_reason_name(KillReason::AvgDuration), "avg_duration");
  EXPECT_EQ(kill_reason_name(KillReason::Unused), "unused");
  EXPECT_EQ(kill_reason_name(KillReason::Retired), "retired");
}

}  // namespace
}  // namespace wasmgate::wasm
