#include "store/memory_maps.h"

#include <fmt/format.h>

namespace wasmgate::store {

Result<void> MemoryMaps::set(std::string_view map, std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  auto outer = maps_.find(map);
  const std::string* old = nullptr;
  if (outer != maps_.end()) {
    if (auto it = outer->second.find(key); it != outer->second.end()) old = &it->second;
  }
  // A new map costs its name once; an existing key frees its old value.
  const std::uint64_t added = value.size() + (old ? 0 : key.size()) + (outer == maps_.end() ? map.size() : 0);
  const std::uint64_t freed = old ? old->size() : 0;
  if (used_ - freed + added > max_bytes_) {
    return make_error(Errc::PluginMemory,
                      fmt::format("in-memory maps are full ({} of {} bytes used; this write needs {} more)",
                                  used_, max_bytes_, added - std::min(added, freed)));
  }
  if (outer == maps_.end()) outer = maps_.emplace(std::string(map), decltype(maps_)::mapped_type{}).first;
  outer->second.insert_or_assign(std::string(key), std::string(value));
  used_ = used_ - freed + added;
  return {};
}

std::optional<std::string> MemoryMaps::get(std::string_view map, std::string_view key) const {
  std::lock_guard lock(mu_);
  const auto outer = maps_.find(map);
  if (outer == maps_.end()) return std::nullopt;
  const auto it = outer->second.find(key);
  if (it == outer->second.end()) return std::nullopt;
  return it->second;
}

bool MemoryMaps::del(std::string_view map, std::string_view key) {
  std::lock_guard lock(mu_);
  const auto outer = maps_.find(map);
  if (outer == maps_.end()) return false;
  const auto it = outer->second.find(key);
  if (it == outer->second.end()) return false;
  used_ -= it->first.size() + it->second.size();
  outer->second.erase(it);  // the (now maybe empty) map stays: it existed, so its whole-map read is {}
  return true;
}

std::optional<std::map<std::string, std::string, std::less<>>> MemoryMaps::entries(
    std::string_view map) const {
  std::lock_guard lock(mu_);
  const auto outer = maps_.find(map);
  if (outer == maps_.end()) return std::nullopt;
  return outer->second;
}

std::uint64_t MemoryMaps::used_bytes() const {
  std::lock_guard lock(mu_);
  return used_;
}

}  // namespace wasmgate::store
