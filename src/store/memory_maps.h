// In-memory maps of wasm plugins (Otoroshi's `proxy_global_map_*` and `proxy_plugin_map_*` host functions):
// a process-wide map of maps ("global" or a plugin id → key → bytes), not replicated, not persisted, and
// bounded: the sum of key and value sizes over all maps stays under max_bytes, a write beyond it fails
// instead of growing the process. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wasmgate::store {

inline constexpr std::uint64_t kDefaultMemoryMapsMaxBytes = 64ull * 1024 * 1024;

class MemoryMaps {
 public:
  explicit MemoryMaps(std::uint64_t max_bytes = kDefaultMemoryMapsMaxBytes) : max_bytes_(max_bytes) {}

  // Sets map[key] = value (creating the map). Errc::PluginMemory "in-memory maps are full (N of M bytes)"
  // when the write would pass max_bytes; nothing changes then.
  Result<void> set(std::string_view map, std::string_view key, std::string_view value);
  std::optional<std::string> get(std::string_view map, std::string_view key) const;
  // Whether the key existed.
  bool del(std::string_view map, std::string_view key);
  // The whole map, or nullopt if it never existed (Otoroshi answers "" then, {} for an emptied map).
  std::optional<std::map<std::string, std::string, std::less<>>> entries(std::string_view map) const;

  std::uint64_t used_bytes() const;
  std::uint64_t max_bytes() const { return max_bytes_; }

 private:
  const std::uint64_t max_bytes_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> maps_;
  std::uint64_t used_ = 0;
};

}  // namespace wasmgate::store
