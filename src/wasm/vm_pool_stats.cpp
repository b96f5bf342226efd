#include "wasm/vm_pool_stats.h"

#include <string>

namespace wasmgate::wasm {

boost::json::object pool_stats_json(const PoolStats& stats) {
  boost::json::object kills;
  for (std::size_t i = 0; i < kKillReasonCount; ++i) {
    kills[std::string(kill_reason_name(static_cast<KillReason>(i)))] = stats.kills[i];
  }
  return boost::json::object{
      {"instances", stats.instances},
      {"alive", stats.alive},
      {"idle", stats.idle},
      {"busy", stats.busy},
      {"creating", stats.creating},
      {"waiting", stats.waiting},
      {"retired", stats.retired},
      {"leases", stats.leases},
      {"calls", stats.calls},
      {"errors", stats.errors},
      {"wait_timeouts", stats.wait_timeouts},
      {"creations", stats.creations},
      {"creation_failures", stats.creation_failures},
      {"kills", std::move(kills)},
  };
}

}  // namespace wasmgate::wasm
