#include "wasm/vm_pool_registry.h"

#include <algorithm>
#include <utility>

namespace wasmgate::wasm {

PoolRegistry::~PoolRegistry() {
  for (auto& [key, pool] : pools_) pool->retire();
  for (auto& [key, pool] : retired_) pool->retire();
}

std::shared_ptr<VmPool> PoolRegistry::get_or_create(const std::string& key, const PoolOptions& options,
                                                    const VmFactory& factory) {
  std::lock_guard lock(mutex_);
  auto it = pools_.find(key);
  if (it == pools_.end()) it = pools_.emplace(key, VmPool::create(options, factory)).first;
  return it->second;
}

std::shared_ptr<VmPool> PoolRegistry::find(std::string_view key) const {
  std::lock_guard lock(mutex_);
  auto it = pools_.find(key);
  return it == pools_.end() ? nullptr : it->second;
}

std::shared_ptr<VmPool> PoolRegistry::replace(const std::string& key, PoolOptions options,
                                              VmFactory factory) {
  auto fresh = VmPool::create(std::move(options), std::move(factory));
  std::shared_ptr<VmPool> old;
  {
    std::lock_guard lock(mutex_);
    auto& slot = pools_[key];
    old = std::exchange(slot, fresh);
    if (old) retired_.emplace_back(key, old);
  }
  if (old) old->retire();  // destroys its idle VMs: outside the registry mutex
  return fresh;
}

bool PoolRegistry::retire(std::string_view key) {
  std::shared_ptr<VmPool> old;
  {
    std::lock_guard lock(mutex_);
    auto it = pools_.find(key);
    if (it == pools_.end()) return false;
    old = it->second;
    retired_.emplace_back(it->first, old);
    pools_.erase(it);
  }
  old->retire();
  return true;
}

void PoolRegistry::clean(TimePoint now) {
  std::vector<std::shared_ptr<VmPool>> all;
  {
    std::lock_guard lock(mutex_);
    all.reserve(pools_.size() + retired_.size());
    for (auto& [key, pool] : pools_) all.push_back(pool);
    for (auto& [key, pool] : retired_) all.push_back(pool);
  }
  for (auto& pool : all) pool->clean(now);  // destroys VMs: outside the registry mutex
  all.clear();                              // our copies must not count as holders below

  std::lock_guard lock(mutex_);
  std::erase_if(retired_, [](const auto& entry) { return entry.second->empty(); });
  // An empty registered pool is forgotten only if nobody else holds it: under the mutex nobody can get it
  // from here, and a holder elsewhere would show in use_count (leases and acquirers hold one too).
  std::erase_if(pools_,
                [](const auto& entry) { return entry.second.use_count() == 1 && entry.second->empty(); });
}

std::vector<PoolEntryStats> PoolRegistry::stats() const {
  std::vector<std::pair<std::string, std::shared_ptr<VmPool>>> all;
  {
    std::lock_guard lock(mutex_);
    all.assign(pools_.begin(), pools_.end());
    all.insert(all.end(), retired_.begin(), retired_.end());
  }
  std::vector<PoolEntryStats> out;
  out.reserve(all.size());
  for (auto& [key, pool] : all) out.push_back(PoolEntryStats{key, pool->stats()});
  return out;
}

std::size_t PoolRegistry::size() const {
  std::lock_guard lock(mutex_);
  return pools_.size();
}

std::size_t PoolRegistry::retired_count() const {
  std::lock_guard lock(mutex_);
  return retired_.size();
}

}  // namespace wasmgate::wasm
