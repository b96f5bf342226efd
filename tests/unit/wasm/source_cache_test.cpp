// SourceCache: TTL and stale serving with one background refetch, stale-if-error, the fail-fast window after
// a failed first fetch, shared misses, prefetch, status, listeners, eviction. A fake clock drives time; a
// gate holds a fetch open where a test needs it in flight (waits are bounded, never timed assertions).
#include "wasm/source_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/base64.h"

namespace wasmgate::wasm {
namespace {

using namespace std::chrono_literals;
using model::WasmSource;
using model::WasmSourceKind;
using ::testing::HasSubstr;
using Time = std::chrono::system_clock::time_point;

constexpr auto kWait = 10s;  // generous bound for background work; never reached when the code is right

class FakeClock {
 public:
  Time now() const { return Time(std::chrono::milliseconds(ms_.load())); }
  void advance(std::chrono::milliseconds by) { ms_ += by.count(); }

 private:
  std::atomic<std::int64_t> ms_{1'700'000'000'000};
};

// Blocks fetches while closed; counts fetches that reached it.
class Gate {
 public:
  void pass() {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait_for(lock, kWait, [&] { return open_; });
  }
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait_entered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return entered_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int entered_ = 0;
};

// A fetcher that answers from a script (one outcome per call; the last one repeats).
class ScriptedFetcher {
 public:
  void push_bytes(const std::string& text) { push(text, ""); }
  void push_failure(const std::string& message) { push("", message); }

  SourceFetcher fetcher() {
    return [this](const WasmSource&, const SourceFetchContext&) -> Result<FetchedSource> {
      ++calls_;
      gate.pass();
      std::pair<std::string, std::string> outcome;
      {
        std::lock_guard lock(mu_);
        outcome = script_.front();
        if (script_.size() > 1) script_.pop_front();
      }
      if (!outcome.second.empty()) return make_error(Errc::PluginLoad, outcome.second);
      auto bytes = std::make_shared<const SourceBytes>(outcome.first.begin(), outcome.first.end());
      return FetchedSource{bytes, sha256_hex(*bytes), std::chrono::system_clock::now()};
    };
  }
  int calls() const { return calls_; }

  Gate gate;

 private:
  void push(const std::string& bytes, const std::string& error) {
    std::lock_guard lock(mu_);
    script_.emplace_back(bytes, error);
  }
  std::mutex mu_;
  std::deque<std::pair<std::string, std::string>> script_;
  std::atomic<int> calls_{0};
};

std::string text_of(const SourceEntry& entry) {
  return std::string(entry.bytes->begin(), entry.bytes->end());
}
std::string sha_of(const std::string& text) {
  return sha256_hex(SourceBytes(text.begin(), text.end()));
}

class SourceCacheTest : public ::testing::Test {
 protected:
  SourceCacheTest()
      : cache_(SourceCacheOptions{10s, 5s, 2, [this] { return clock_.now(); }}, fetcher_.fetcher()) {
    cache_.on_change([this](const std::string& key, const std::string& sha) {
      std::lock_guard lock(mu_);
      changes_.emplace_back(key, sha);
    });
  }
  Result<SourceEntry> get(const WasmSource& s = kSource) { return cache_.get(s, context_); }
  std::string get_text() {
    auto entry = get();
    EXPECT_TRUE(entry.ok()) << entry.error().message;
    return entry.ok() ? text_of(*entry) : "";
  }
  std::vector<std::pair<std::string, std::string>> changes() {
    std::lock_guard lock(mu_);
    return changes_;
  }

  static inline const WasmSource kSource{WasmSourceKind::Http, "http://cdn.test/p.wasm", {}};
  static inline const std::string kKey = "http://http://cdn.test/p.wasm";

  FakeClock clock_;
  ScriptedFetcher fetcher_;
  SourceFetchContext context_;
  SourceCache cache_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> changes_;
};

TEST_F(SourceCacheTest, FreshHitIsServedWithoutRefetching) {
  fetcher_.push_bytes("v1");
  EXPECT_EQ(get_text(), "v1");
  clock_.advance(9s);
  EXPECT_EQ(get_text(), "v1");
  EXPECT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(SourceCacheTest, StaleHitServesOldBytesWhileOneBackgroundRefetchRuns) {
  fetcher_.push_bytes("v1");
  fetcher_.push_bytes("v2");
  EXPECT_EQ(get_text(), "v1");
  clock_.advance(10s);
  fetcher_.gate.close();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get_text(), "v1");  // all stale hits, one refetch
  ASSERT_TRUE(fetcher_.gate.wait_entered(2));
  EXPECT_TRUE(cache_.status(kKey)->refreshing);
  fetcher_.gate.open();
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 2);
  EXPECT_EQ(get_text(), "v2");
  EXPECT_EQ(changes(), (std::vector<std::pair<std::string, std::string>>{{kKey, sha_of("v2")}}));
}

TEST_F(SourceCacheTest, RefetchOfIdenticalBytesDoesNotNotify) {
  fetcher_.push_bytes("same");
  EXPECT_EQ(get_text(), "same");
  clock_.advance(11s);
  EXPECT_EQ(get_text(), "same");
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 2);
  EXPECT_TRUE(changes().empty());
  clock_.advance(1s);
  EXPECT_EQ(get_text(), "same");  // fetched_at was renewed: fresh again
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 2);
}

TEST_F(SourceCacheTest, FailedRefetchKeepsOldBytesAndWaitsBeforeRetrying) {
  fetcher_.push_bytes("v1");
  fetcher_.push_failure("wasm source Http http://cdn.test/p.wasm: bad response 503");
  fetcher_.push_bytes("v2");
  EXPECT_EQ(get_text(), "v1");
  clock_.advance(10s);
  EXPECT_EQ(get_text(), "v1");
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 2);

  const auto status = cache_.status(kKey);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SourceState::Cached);
  EXPECT_THAT(status->last_error, HasSubstr("bad response 503"));
  EXPECT_EQ(status->retry_at, clock_.now() + 5s);

  clock_.advance(4s);
  EXPECT_EQ(get_text(), "v1");  // stale, but inside the retry window: no refetch
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 2);

  clock_.advance(1s);
  EXPECT_EQ(get_text(), "v1");
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 3);
  EXPECT_EQ(get_text(), "v2");
  EXPECT_TRUE(cache_.status(kKey)->last_error.empty());
}

TEST_F(SourceCacheTest, FailedFirstFetchFailsFastUntilTheRetryTime) {
  fetcher_.push_failure("wasm source Http http://cdn.test/p.wasm: timeout after 10000 ms");
  fetcher_.push_bytes("v1");
  auto first = get();
  ASSERT_FALSE(first.ok());
  EXPECT_THAT(first.error().message, HasSubstr("timeout after 10000 ms"));

  clock_.advance(4999ms);
  auto fast = get();
  ASSERT_FALSE(fast.ok());
  EXPECT_EQ(fast.error().code, Errc::PluginLoad);
  EXPECT_THAT(fast.error().message, HasSubstr("unable to access wasm binary, will retry after "));
  EXPECT_EQ(fast.error().message,
            "wasm source Http http://cdn.test/p.wasm: unable to access wasm binary, will retry after "
            "2023-11-14T22:13:25.000Z (in 0.0 s); last error: timeout after 10000 ms");
  EXPECT_EQ(fetcher_.calls(), 1);
  EXPECT_EQ(cache_.status(kKey)->state, SourceState::Failed);

  clock_.advance(1ms);
  EXPECT_EQ(get_text(), "v1");
  EXPECT_EQ(fetcher_.calls(), 2);
  EXPECT_EQ(cache_.status(kKey)->state, SourceState::Cached);
  EXPECT_TRUE(changes().empty());  // a first success replaces nothing
}

TEST_F(SourceCacheTest, ConcurrentMissesShareOneFetch) {
  fetcher_.push_bytes("v1");
  fetcher_.gate.close();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto entry = get();
      if (entry.ok() && text_of(*entry) == "v1") ++ok;
    });
  }
  ASSERT_TRUE(fetcher_.gate.wait_entered(1));
  fetcher_.gate.open();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(SourceCacheTest, PrefetchWarmsInTheBackground) {
  fetcher_.push_bytes("v1");
  fetcher_.gate.close();
  cache_.prefetch(kSource, context_);
  ASSERT_TRUE(fetcher_.gate.wait_entered(1));
  EXPECT_EQ(cache_.status(kKey)->state, SourceState::Fetching);
  cache_.prefetch(kSource, context_);  // already in flight: nothing more
  fetcher_.gate.open();
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(get_text(), "v1");
  EXPECT_EQ(fetcher_.calls(), 1);
  cache_.prefetch(kSource, context_);  // fresh: nothing
  ASSERT_TRUE(cache_.wait_idle(kWait));
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(SourceCacheTest, GetWaitsForAPrefetchInFlight) {
  fetcher_.push_bytes("v1");
  fetcher_.gate.close();
  cache_.prefetch(kSource, context_);
  ASSERT_TRUE(fetcher_.gate.wait_entered(1));
  std::thread opener([&] { fetcher_.gate.open(); });
  EXPECT_EQ(get_text(), "v1");
  opener.join();
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(SourceCacheTest, StatusReportsShaSizeDatesAndJson) {
  EXPECT_FALSE(cache_.status(kKey));
  fetcher_.push_bytes("four");
  EXPECT_EQ(get_text(), "four");
  const auto status = cache_.status(kKey);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SourceState::Cached);
  EXPECT_FALSE(status->refreshing);
  EXPECT_EQ(status->sha256, sha_of("four"));
  EXPECT_EQ(status->size, 4u);
  EXPECT_EQ(status->fetched_at, clock_.now());
  EXPECT_FALSE(status->retry_at);

  const auto json = source_status_json(*status);
  EXPECT_EQ(json.at("key").as_string(), kKey);
  EXPECT_EQ(json.at("kind"), "Http");
  EXPECT_EQ(json.at("state"), "cached");
  EXPECT_EQ(json.at("size"), 4);
  EXPECT_EQ(json.at("fetched_at"), "2023-11-14T22:13:20.000Z");
  EXPECT_TRUE(json.at("last_error").is_null());
  EXPECT_EQ(cache_.statuses().size(), 1u);
}

TEST_F(SourceCacheTest, CachedBytesAreCheckedAgainstEachCallersPin) {
  fetcher_.push_bytes("v1");
  EXPECT_EQ(get_text(), "v1");
  WasmSource pinned = kSource;
  pinned.opts["sha256"] = std::string(64, 'b');
  auto refused = get(pinned);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("sha256 mismatch"));
  pinned.opts["sha256"] = sha_of("v1");
  EXPECT_TRUE(get(pinned).ok());
  EXPECT_EQ(fetcher_.calls(), 1);
}

TEST_F(SourceCacheTest, EvictUnusedDropsIdleEntriesAndExpiredFailures) {
  fetcher_.push_bytes("v1");
  fetcher_.push_failure("boom");
  EXPECT_EQ(get_text(), "v1");
  const WasmSource broken{WasmSourceKind::Http, "http://cdn.test/broken.wasm", {}};
  EXPECT_FALSE(get(broken).ok());
  EXPECT_EQ(cache_.evict_unused(20s), 0u);
  clock_.advance(6s);  // the failure's retry time has passed
  EXPECT_EQ(cache_.evict_unused(20s), 1u);
  clock_.advance(15s);
  EXPECT_EQ(cache_.evict_unused(20s), 1u);
  EXPECT_TRUE(cache_.statuses().empty());
}

TEST_F(SourceCacheTest, ShutdownJoinsBackgroundWorkAndGetStillWorks) {
  fetcher_.push_bytes("v1");
  EXPECT_EQ(get_text(), "v1");
  cache_.shutdown();
  clock_.advance(11s);
  EXPECT_EQ(get_text(), "v1");  // stale, but no background refresh any more
  EXPECT_EQ(fetcher_.calls(), 1);
  cache_.shutdown();  // idempotent
}

TEST(SourceCacheDefaultFetcher, CachesARealBase64Source) {
  SourceCache cache;
  const WasmSource source{WasmSourceKind::Base64, base64_encode("module"), {}};
  auto first = cache.get(source, SourceFetchContext{});
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = cache.get(source, SourceFetchContext{});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->bytes, second->bytes);  // the same shared bytes
  EXPECT_EQ(text_of(*first), "module");
  const auto json = source_status_json(*cache.status(model::source_cache_key(source)));
  EXPECT_EQ(json.at("kind"), "Base64");
}

}  // namespace
}  // namespace wasmgate::wasm
