// PoolRegistry: every VM pool of the process, by pool key, plus the pools retired by hot reloads until their
// last lease is back (spec otoroshi-wasm.md §8 "pool identity", DESIGN "zero-drop hot reload").
//
// The caller computes the key from everything that makes a VM different (source cache key, sha256 of the
// bytes, hash of the config): a changed plugin gets a new key, so a new pool. Threads: every member is safe
// to call from any thread; pools are created, cleaned and retired outside the registry mutex.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "wasm/vm_pool.h"

namespace wasmgate::wasm {

struct PoolEntryStats {
  std::string key;
  PoolStats stats;  // stats.retired tells the draining ones apart
};

class PoolRegistry {
 public:
  PoolRegistry() = default;
  // Retires every pool: leases still out finish on their pool, and their VMs are destroyed on return.
  ~PoolRegistry();
  PoolRegistry(const PoolRegistry&) = delete;
  PoolRegistry& operator=(const PoolRegistry&) = delete;

  // The pool under `key`, created from `options` and `factory` if there is none (they are ignored otherwise).
  std::shared_ptr<VmPool> get_or_create(const std::string& key, const PoolOptions& options,
                                        const VmFactory& factory);
  // The pool under `key`, or nullptr.
  std::shared_ptr<VmPool> find(std::string_view key) const;
  // Puts a new pool under `key` and retires the one it replaces, if any: new acquires go to the new pool,
  // leases out on the old one finish there. Returns the new pool.
  std::shared_ptr<VmPool> replace(const std::string& key, PoolOptions options, VmFactory factory);
  // Retires the pool under `key` (see VmPool::retire) and removes the key. False if there was none.
  bool retire(std::string_view key);

  // The cleaner, run on a timer (Otoroshi every 60 s): applies the kill options of every pool at `now`, then
  // forgets retired pools that are empty and, as Otoroshi does, empty pools nobody else holds (a later
  // get_or_create makes a fresh one; their counters restart).
  void clean(TimePoint now);

  std::vector<PoolEntryStats> stats() const;  // registered pools by key, then retired ones
  std::size_t size() const;                   // registered pools
  std::size_t retired_count() const;          // retired pools not yet forgotten

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<VmPool>, std::less<>> pools_;
  std::vector<std::pair<std::string, std::shared_ptr<VmPool>>> retired_;
};

}  // namespace wasmgate::wasm
