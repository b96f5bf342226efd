// Key/value data that wasm plugins keep (Otoroshi's `proxy_datastore_*` and `proxy_plugin_datastore_*` host
// functions, spec otoroshi-wasm.md §4.3): Redis semantics on a backend-neutral interface. The embedded SQLite
// store is the default (sqlite_kv_store.h); a Redis one can implement the same calls one-to-one.
//
// Keys are plain strings; scoping (`otoroshi:` for the global store, `otoroshi:wasm:<plugin id>:` for a
// plugin's) is the caller's business. Values are bytes. A key with an expired TTL is absent for every call.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace wasmgate::store {

class KvStore {
 public:
  virtual ~KvStore();

  // The value, or nullopt when absent or expired.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  // SET key value [PX ttl]: replaces the value and the TTL (none when ttl is nullopt). Durable when ok.
  virtual Result<void> set(std::string_view key, std::string_view value,
                           std::optional<std::chrono::milliseconds> ttl) = 0;
  // SET key value NX [PX ttl]: true when the key was absent (or expired) and is now set.
  virtual Result<bool> setnx(std::string_view key, std::string_view value,
                             std::optional<std::chrono::milliseconds> ttl) = 0;
  // DEL: how many of `keys` existed (and were removed).
  virtual Result<std::int64_t> del(const std::vector<std::string>& keys) = 0;
  virtual Result<bool> exists(std::string_view key) = 0;
  // PTTL: milliseconds left, -1 when the key has no TTL, -2 when it does not exist.
  virtual Result<std::int64_t> pttl(std::string_view key) = 0;
  // KEYS pattern (Redis glob: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\` escapes), sorted.
  virtual Result<std::vector<std::string>> keys(std::string_view pattern) = 0;
  // The values of keys(pattern), in the same order.
  virtual Result<std::vector<std::string>> values_matching(std::string_view pattern) = 0;
  // INCRBY: an absent key counts as 0; keeps the TTL. Errc::BadRequest "value is not an integer or out of
  // range" when the value is not a 64-bit decimal integer or the result overflows.
  virtual Result<std::int64_t> incrby(std::string_view key, std::int64_t delta) = 0;
  // PEXPIRE: true when the key exists (its TTL is now `ttl`; a TTL <= 0 deletes it, as Redis does).
  virtual Result<bool> pexpire(std::string_view key, std::chrono::milliseconds ttl) = 0;
};

// Redis's glob match (stringmatchlen): `*`, `?`, `[...]` with ranges and `^` negation, `\` escapes.
bool redis_glob_match(std::string_view pattern, std::string_view text);

}  // namespace wasmgate::store
