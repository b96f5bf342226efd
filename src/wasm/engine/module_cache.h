// Compiled modules by sha256: compile once, share while anyone holds the module. Entries are weak, so a
// module nobody uses (an old plugin version) is freed; concurrent compiles of the same bytes wait for one
// result.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/error.h"

namespace wasmgate::engine {

class Module;
using ModulePtr = std::shared_ptr<const Module>;

struct ModuleCacheStats {
  std::uint64_t compiles = 0;  // compile attempts (successful or not)
  std::uint64_t hits = 0;      // served a live module
  std::uint64_t waits = 0;     // waited for another thread's compile of the same bytes
  std::uint64_t live = 0;      // distinct modules alive now
};

class ModuleCache {
 public:
  // The live module for `sha256`, else the result of `compile()` run on this thread without the lock held.
  // Failures are returned to every waiter but not remembered.
  Result<ModulePtr> get_or_compile(const std::string& sha256,
                                   const std::function<Result<ModulePtr>()>& compile);

  ModuleCacheStats stats() const;

 private:
  struct Entry {
    std::weak_ptr<const Module> module;
    std::shared_future<Result<ModulePtr>> pending;  // valid while a compile runs
  };
  void sweep_locked();

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  ModuleCacheStats stats_;
  std::size_t inserts_since_sweep_ = 0;
};

}  // namespace wasmgate::engine
