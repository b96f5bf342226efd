// The process-wide cache of wasm module bytes (spec otoroshi-wasm.md §2.3), keyed by source_cache_key
// ("<kind>://<path>"):
//   - a hit younger than the TTL is served as is;
//   - a hit older than the TTL is served at once while one background refetch runs (one per key); a refetch
//     that succeeds swaps the bytes (and tells the change listeners when they differ), one that fails keeps
//     the old bytes (stale-if-error) and is retried no sooner than `retry_after_failure` later;
//   - a miss is fetched by the caller; concurrent callers for the same key wait for that one fetch;
//   - a first fetch that failed is remembered: until `retry_after_failure` has passed, calls fail fast with
//     "unable to access wasm binary, will retry after <time>" and the reason.
// Thread-safe. Background refetches run on a small thread pool owned by the cache.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/wasm_config.h"
#include "wasm/source_fetch.h"

namespace wasmgate::wasm {

// Wall clock: fetched_at and retry_at are shown to operators (status, error messages) as dates, like
// Otoroshi's System.currentTimeMillis. A clock stepped backwards makes an entry look stale (refetched once).
using SourceClock = std::function<std::chrono::system_clock::time_point()>;
using SourceFetcher =
    std::function<Result<FetchedSource>(const model::WasmSource&, const SourceFetchContext&)>;

struct SourceCacheOptions {
  std::chrono::milliseconds ttl{10000};                 // otoroshi.wasm.cache.ttl; --wasm-cache-ttl
  std::chrono::milliseconds retry_after_failure{5000};  // Otoroshi's FailedFetch window
  int background_threads = 2;                           // concurrent background refetches / prefetches
  SourceClock clock;                                    // null: system_clock::now
};

struct SourceEntry {
  SourceBytesPtr bytes;  // never null
  std::string sha256;
  std::chrono::system_clock::time_point fetched_at;
};

enum class SourceState {
  Cached,    // bytes available (possibly being refreshed: see `refreshing`)
  Fetching,  // first fetch in progress, no bytes yet
  Failed,    // first fetch failed; calls fail fast until retry_at
};
std::string_view source_state_name(SourceState state);  // "cached", "fetching", "failed"

struct SourceStatus {
  std::string key;
  model::WasmSource source;
  SourceState state = SourceState::Fetching;
  bool refreshing = false;  // a background refetch is in flight
  std::string sha256;       // empty until fetched
  std::size_t size = 0;
  std::optional<std::chrono::system_clock::time_point> fetched_at;
  std::string last_error;  // the latest failed fetch, cleared by a successful one
  std::optional<std::chrono::system_clock::time_point> retry_at;  // no fetch before this after a failure
};
// {key, kind, path, state, refreshing, sha256, size, fetched_at, last_error, retry_at} with ISO dates, for
// the admin status endpoint.
boost::json::object source_status_json(const SourceStatus& status);

class SourceCache {
 public:
  // Called with (key, new sha256) when a refetch replaced existing bytes with different ones, on the thread
  // that fetched, outside the cache lock. Not called for a first fetch (nothing ran the old bytes).
  using ChangeListener = std::function<void(const std::string& key, const std::string& sha256)>;

  explicit SourceCache(SourceCacheOptions options = {}, SourceFetcher fetcher = fetch_source);
  ~SourceCache();  // shutdown()
  SourceCache(const SourceCache&) = delete;
  SourceCache& operator=(const SourceCache&) = delete;

  // The bytes of `source`, per the rules above. May block: on a miss (the fetch, bounded by the source's
  // timeout) or while another caller fetches the same missing key. `context` is copied for background work.
  // Errc::PluginLoad: the fetch error, the fail-fast message, or a cached entry whose sha256 differs from
  // this source's opts.sha256 pin.
  Result<SourceEntry> get(const model::WasmSource& source, const SourceFetchContext& context);

  // Warms `source` in the background: fetches a miss, refreshes a stale entry, retries a failure whose
  // retry time has passed; nothing if fresh or already in flight. Never blocks on the network.
  void prefetch(const model::WasmSource& source, const SourceFetchContext& context);

  std::optional<SourceStatus> status(const std::string& key) const;
  std::vector<SourceStatus> statuses() const;  // sorted by key

  // Registers a listener (see ChangeListener). Listeners are never removed; register them at startup.
  void on_change(ChangeListener listener);

  // Drops entries not asked for (get/prefetch) within `idle` and failures whose retry time has passed;
  // entries with work in flight are kept. Returns how many were dropped. Otoroshi's cleaner uses 2 x TTL.
  std::size_t evict_unused(std::chrono::milliseconds idle);

  // Waits until no background work is queued or running, up to `timeout`; false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

  // Stops scheduling background work and joins what runs (a fetch in flight ends by its own timeout).
  // get() keeps working afterwards, without background refreshes. Idempotent.
  void shutdown();

 private:
  using Time = std::chrono::system_clock::time_point;
  using Lock = std::unique_lock<std::mutex>;

  struct Entry {
    model::WasmSource source;  // what background refetches fetch (set by the insert and each fetch start)
    SourceBytesPtr bytes;      // null until a fetch succeeded
    std::string sha256;
    Time fetched_at{};
    bool in_flight = false;  // a fetch (caller's or background) is running for this key
    std::string last_error;
    std::optional<Time> retry_at;  // after a failure: no fetch before this
    Time last_used{};
  };

  Time now() const;
  // Under lock: marks the entry in flight and queues a background fetch; false when shut down.
  bool schedule_locked(Entry& entry, const std::string& key, const SourceFetchContext& context);
  // Runs the fetcher (without the lock) and records the outcome; returns it.
  Result<SourceEntry> fetch_and_record(const std::string& key, const model::WasmSource& source,
                                       const SourceFetchContext& context);
  void notify_change(const std::string& key, const std::string& sha256);
  static SourceStatus status_of(const std::string& key, const Entry& entry);

  SourceCacheOptions options_;
  SourceFetcher fetcher_;
  mutable std::mutex mu_;
  std::condition_variable changed_;  // an entry's in-flight fetch ended, or background work drained
  std::map<std::string, Entry> entries_;
  std::vector<ChangeListener> listeners_;
  int background_pending_ = 0;
  bool stopping_ = false;
  std::unique_ptr<boost::asio::thread_pool> pool_;
};

}  // namespace wasmgate::wasm
