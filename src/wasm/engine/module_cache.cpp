#include "wasm/engine/module_cache.h"

namespace wasmgate::engine {

namespace {
// Expired entries are swept every so many inserts; entries are small (a key and a weak pointer).
constexpr std::size_t kSweepEveryInserts = 64;
}  // namespace

Result<ModulePtr> ModuleCache::get_or_compile(const std::string& sha256,
                                              const std::function<Result<ModulePtr>()>& compile) {
  std::promise<Result<ModulePtr>> promise;
  {
    std::unique_lock lock(mutex_);
    auto it = entries_.find(sha256);
    if (it != entries_.end()) {
      if (auto live = it->second.module.lock()) {
        ++stats_.hits;
        return ModulePtr(std::move(live));
      }
      if (it->second.pending.valid()) {
        ++stats_.waits;
        auto pending = it->second.pending;
        lock.unlock();
        return pending.get();
      }
    }
    ++stats_.compiles;
    if (++inserts_since_sweep_ >= kSweepEveryInserts) sweep_locked();
    entries_[sha256].pending = promise.get_future().share();
  }

  Result<ModulePtr> result = compile();

  {
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[sha256];
    entry.pending = {};
    if (result) {
      entry.module = *result;
    } else if (entry.module.expired()) {
      entries_.erase(sha256);
    }
  }
  promise.set_value(result);
  return result;
}

ModuleCacheStats ModuleCache::stats() const {
  std::lock_guard lock(mutex_);
  ModuleCacheStats out = stats_;
  out.live = 0;
  for (const auto& [key, entry] : entries_) out.live += entry.module.expired() ? 0 : 1;
  return out;
}

void ModuleCache::sweep_locked() {
  inserts_since_sweep_ = 0;
  std::erase_if(entries_,
                [](const auto& kv) { return kv.second.module.expired() && !kv.second.pending.valid(); });
}

}  // namespace wasmgate::engine
