#include "wasm/source_cache.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <exception>
#include <utility>

#include "core/clock.h"

namespace wasmgate::wasm {

namespace json = boost::json;

namespace {

using Time = std::chrono::system_clock::time_point;

std::int64_t epoch_ms(Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Base64 sources carry the whole module in their path (and key): shown shortened.
std::string shown(std::string_view text, model::WasmSourceKind kind) {
  constexpr std::size_t kMaxShownChars = 32;
  if (kind != model::WasmSourceKind::Base64 || text.size() <= kMaxShownChars) return std::string(text);
  return fmt::format("{}... ({} chars)", text.substr(0, kMaxShownChars), text.size());
}

}  // namespace

std::string_view source_state_name(SourceState state) {
  switch (state) {
    case SourceState::Cached:
      return "cached";
    case SourceState::Fetching:
      return "fetching";
    case SourceState::Failed:
      return "failed";
  }
  return "failed";
}

json::object source_status_json(const SourceStatus& status) {
  json::object out;
  out["key"] = shown(status.key, status.source.kind);
  out["kind"] = model::wasm_source_kind_name(status.source.kind);
  out["path"] = shown(status.source.path, status.source.kind);
  out["state"] = source_state_name(status.state);
  out["refreshing"] = status.refreshing;
  out["sha256"] = status.sha256.empty() ? json::value(nullptr) : json::value(status.sha256);
  out["size"] = status.size;
  out["fetched_at"] = status.fetched_at ? json::value(iso8601_utc(epoch_ms(*status.fetched_at))) : nullptr;
  out["last_error"] = status.last_error.empty() ? json::value(nullptr) : json::value(status.last_error);
  out["retry_at"] = status.retry_at ? json::value(iso8601_utc(epoch_ms(*status.retry_at))) : nullptr;
  return out;
}

SourceCache::SourceCache(SourceCacheOptions options, SourceFetcher fetcher)
    : options_(std::move(options)),
      fetcher_(std::move(fetcher)),
      pool_(std::make_unique<boost::asio::thread_pool>(
          static_cast<std::size_t>(options_.background_threads < 1 ? 1 : options_.background_threads))) {}

SourceCache::~SourceCache() {
  shutdown();
}

SourceCache::Time SourceCache::now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

Result<SourceEntry> SourceCache::get(const model::WasmSource& source, const SourceFetchContext& context) {
  const std::string key = model::source_cache_key(source);
  auto pin = pinned_sha256(source);
  if (!pin) return make_error(Errc::PluginLoad, describe_source(source) + ": " + pin.error().message);
  Lock lock(mu_);
  for (;;) {
    const Time t = now();
    auto [it, inserted] = entries_.try_emplace(key);
    Entry& entry = it->second;
    if (inserted) entry.source = source;
    entry.last_used = t;

    if (entry.bytes) {
      // t < fetched_at: the wall clock stepped back; refetching once is cheaper than trusting the age.
      const bool stale = t - entry.fetched_at >= options_.ttl || t < entry.fetched_at;
      const bool may_retry = !entry.retry_at || t >= *entry.retry_at;
      if (stale && may_retry && !entry.in_flight) {
        entry.source = source;  // the latest opts (headers, timeout) of this key
        schedule_locked(entry, key, context);
      }
      if (*pin && **pin != entry.sha256) {
        // Another reference to the same key fetched bytes this source's pin does not accept.
        return make_error(Errc::PluginLoad,
                          fmt::format("{}: sha256 mismatch: expected {} (opts.sha256), got {}",
                                      describe_source(source), **pin, entry.sha256));
      }
      return SourceEntry{entry.bytes, entry.sha256, entry.fetched_at};
    }
    if (entry.in_flight) {
      changed_.wait(lock);  // the entry is never evicted while in flight; looked up again after waking
      continue;
    }
    if (entry.retry_at && t < *entry.retry_at) {
      const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(*entry.retry_at - t).count();
      const std::string prefix = describe_source(source) + ": ";
      std::string_view last_error = entry.last_error;
      if (last_error.starts_with(prefix)) last_error.remove_prefix(prefix.size());
      return make_error(
          Errc::PluginLoad,
          fmt::format("{}unable to access wasm binary, will retry after {} (in {:.1f} s); last error: {}",
                      prefix, iso8601_utc(epoch_ms(*entry.retry_at)), static_cast<double>(wait_ms) / 1000.0,
                      last_error));
    }
    entry.in_flight = true;
    entry.source = source;
    lock.unlock();
    return fetch_and_record(key, source, context);
  }
}

void SourceCache::prefetch(const model::WasmSource& source, const SourceFetchContext& context) {
  const std::string key = model::source_cache_key(source);
  Lock lock(mu_);
  const Time t = now();
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& entry = it->second;
  entry.last_used = t;
  if (entry.in_flight) return;
  const bool may_retry = !entry.retry_at || t >= *entry.retry_at;
  const bool stale = !entry.bytes || t - entry.fetched_at >= options_.ttl || t < entry.fetched_at;
  if (!stale || !may_retry) return;
  entry.source = source;
  if (!schedule_locked(entry, key, context) && inserted) entries_.erase(it);
}

bool SourceCache::schedule_locked(Entry& entry, const std::string& key, const SourceFetchContext& context) {
  if (stopping_ || !pool_) return false;
  entry.in_flight = true;
  ++background_pending_;
  boost::asio::post(*pool_, [this, key, source = entry.source, context] {
    bool skip = false;
    {
      Lock lock(mu_);
      skip = stopping_;
      if (skip) {
        // Shutting down: leave the key as it was, so a caller waiting on it fetches by itself.
        if (auto it = entries_.find(key); it != entries_.end()) it->second.in_flight = false;
      }
    }
    if (!skip) (void)fetch_and_record(key, source, context);
    {
      Lock lock(mu_);
      --background_pending_;
    }
    changed_.notify_all();
  });
  return true;
}

Result<SourceEntry> SourceCache::fetch_and_record(const std::string& key, const model::WasmSource& source,
                                                  const SourceFetchContext& context) {
  Result<FetchedSource> fetched = make_error(Errc::Internal, "not fetched");
  try {
    fetched = fetcher_(source, context);
  } catch (const std::exception& e) {
    fetched = make_error(Errc::Internal, describe_source(source) + ": fetch failed: " + e.what());
  }
  std::optional<std::string> changed_sha;
  std::optional<SourceEntry> outcome;
  {
    Lock lock(mu_);
    Entry& entry = entries_[key];  // present: in-flight entries are not evicted
    entry.in_flight = false;
    const Time t = now();
    if (fetched) {
      if (entry.bytes && entry.sha256 != fetched->sha256) changed_sha = fetched->sha256;
      entry.bytes = fetched->bytes;
      entry.sha256 = fetched->sha256;
      entry.fetched_at = t;
      entry.last_error.clear();
      entry.retry_at.reset();
      outcome = SourceEntry{entry.bytes, entry.sha256, entry.fetched_at};
    } else {
      // With old bytes: they stay served (stale-if-error). Without: calls fail fast until retry_at.
      entry.last_error = fetched.error().message;
      entry.retry_at = t + options_.retry_after_failure;
      spdlog::warn("{} (retry after {} ms{})", entry.last_error, options_.retry_after_failure.count(),
                   entry.bytes ? ", serving the previous bytes" : "");
    }
  }
  changed_.notify_all();
  if (changed_sha) notify_change(key, *changed_sha);
  if (!outcome) return fetched.take_error();
  return std::move(*outcome);
}

void SourceCache::notify_change(const std::string& key, const std::string& sha256) {
  std::vector<ChangeListener> listeners;
  {
    Lock lock(mu_);
    listeners = listeners_;
  }
  for (const ChangeListener& listener : listeners) {
    try {
      listener(key, sha256);
    } catch (const std::exception& e) {
      spdlog::error("wasm source cache: change listener for {} failed: {}", key, e.what());
    }
  }
}

void SourceCache::on_change(ChangeListener listener) {
  Lock lock(mu_);
  listeners_.push_back(std::move(listener));
}

SourceStatus SourceCache::status_of(const std::string& key, const Entry& entry) {
  SourceStatus status;
  status.key = key;
  status.source = entry.source;
  if (entry.bytes) {
    status.state = SourceState::Cached;
    status.refreshing = entry.in_flight;
    status.sha256 = entry.sha256;
    status.size = entry.bytes->size();
    status.fetched_at = entry.fetched_at;
  } else {
    status.state = entry.in_flight || !entry.retry_at ? SourceState::Fetching : SourceState::Failed;
  }
  status.last_error = entry.last_error;
  status.retry_at = entry.retry_at;
  return status;
}

std::optional<SourceStatus> SourceCache::status(const std::string& key) const {
  Lock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return status_of(key, it->second);
}

std::vector<SourceStatus> SourceCache::statuses() const {
  Lock lock(mu_);
  std::vector<SourceStatus> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) out.push_back(status_of(key, entry));
  return out;
}

std::size_t SourceCache::evict_unused(std::chrono::milliseconds idle) {
  Lock lock(mu_);
  const Time t = now();
  return std::erase_if(entries_, [&](const auto& item) {
    const Entry& entry = item.second;
    if (entry.in_flight) return false;
    const bool expired_failure = !entry.bytes && entry.retry_at && t >= *entry.retry_at;
    return expired_failure || t - entry.last_used > idle;
  });
}

bool SourceCache::wait_idle(std::chrono::milliseconds timeout) {
  Lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return background_pending_ == 0; });
}

void SourceCache::shutdown() {
  std::unique_ptr<boost::asio::thread_pool> pool;
  {
    Lock lock(mu_);
    stopping_ = true;
    pool = std::move(pool_);
  }
  changed_.notify_all();
  if (pool) pool->join();
}

}  // namespace wasmgate::wasm
