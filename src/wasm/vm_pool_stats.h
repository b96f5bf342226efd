// Counters of one VM pool, read by the admin `_status` and the metrics exporter.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>

#include "wasm/kill_policy.h"

namespace wasmgate::wasm {

struct PoolStats {
  // Gauges at the time of the read.
  std::size_t instances = 0;  // the cap (config `instances`)
  std::size_t alive = 0;      // idle + busy + being created + being destroyed; never above `instances`
  std::size_t idle = 0;
  std::size_t busy = 0;      // leased out
  std::size_t creating = 0;  // slots reserved by acquirers running the factory
  std::size_t waiting = 0;   // acquirers queued for a VM
  bool retired = false;
  // Counters since the pool was created.
  std::uint64_t leases = 0;             // VMs handed out
  std::uint64_t calls = 0;              // guest calls reported by VMs when their leases were returned
  std::uint64_t errors = 0;             // leases returned with a failed VM or discarded by their holder
  std::uint64_t wait_timeouts = 0;      // acquires that gave up: every VM busy until the deadline
  std::uint64_t creations = 0;          // VMs created
  std::uint64_t creation_failures = 0;  // factory errors (each surfaced to one acquirer)
  KillCounts kills{};                   // VMs destroyed, by KillReason

  std::uint64_t killed(KillReason reason) const { return kills[static_cast<std::size_t>(reason)]; }
};

// {"instances":2,"alive":1,…,"kills":{"max_calls":0,"failed":1,…}} — snake_case like the kill options.
boost::json::object pool_stats_json(const PoolStats& stats);

}  // namespace wasmgate::wasm
