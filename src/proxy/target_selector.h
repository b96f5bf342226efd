// Which backend target serves a call: weighted round robin as Otoroshi's RoundRobin load balancing (each target
// counts `weight` times, the request counter modulo the total picks one), over the primary targets; the backup
// targets take over only when no primary is usable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "model/route.h"

namespace wasmgate::proxy {

// `usable(i)` says whether targets[i] may be tried now (e.g. not marked down after a connect failure).
// Returns the index of the chosen target, or nullopt when no target is usable. Targets with weight <= 0 never
// serve (Otoroshi repeats a target `weight` times, so 0 means never).
template <typename Usable>
std::optional<std::size_t> select_target(std::span<const model::Target> targets, std::uint64_t counter,
                                         Usable&& usable) {
  for (const bool backups : {false, true}) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (targets[i].backup == backups && targets[i].weight > 0 && usable(i)) {
        total += static_cast<std::uint64_t>(targets[i].weight);
      }
    }
    if (total == 0) continue;
    std::uint64_t pos = counter % total;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (targets[i].backup != backups || targets[i].weight <= 0 || !usable(i)) continue;
      const auto w = static_cast<std::uint64_t>(targets[i].weight);
      if (pos < w) return i;
      pos -= w;
    }
  }
  return std::nullopt;
}

// Every target usable.
inline std::optional<std::size_t> select_target(std::span<const model::Target> targets, std::uint64_t counter) {
  return select_target(targets, counter, [](std::size_t) { return true; });
}

}  // namespace wasmgate::proxy
