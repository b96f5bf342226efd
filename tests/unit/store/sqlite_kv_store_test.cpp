#include "store/sqlite_kv_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "core/ids.h"

namespace wasmgate::store {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class SqliteKvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wasmgate-kv-test-" + uuid_v4());
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  // A store on a fake clock (now_ms_), so TTL tests need no sleeping.
  std::shared_ptr<SqliteKvStore> open() {
    auto store = SqliteKvStore::open(dir_.string(), [this] { return now_ms_.load(); });
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store ? *store : nullptr;
  }

  fs::path dir_;
  std::atomic<std::int64_t> now_ms_{1'700'000'000'000};
  std::shared_ptr<SqliteKvStore> store_;
};

TEST_F(SqliteKvStoreTest, SetGetExistsDelete) {
  EXPECT_EQ(*store_->get("a"), std::nullopt);
  EXPECT_FALSE(*store_->exists("a"));
  ASSERT_TRUE(store_->set("a", std::string("bin\0ary", 7), std::nullopt).ok());
  EXPECT_EQ(*store_->get("a"), std::string("bin\0ary", 7));
  EXPECT_TRUE(*store_->exists("a"));
  ASSERT_TRUE(store_->set("empty", "", std::nullopt).ok());
  EXPECT_EQ(*store_->get("empty"), std::string());  // present and empty, not absent
  EXPECT_EQ(*store_->del({"a", "missing", "empty"}), 2);
  EXPECT_EQ(*store_->get("a"), std::nullopt);
}

TEST_F(SqliteKvStoreTest, TtlExpiresAndPttlFollowsRedis) {
  EXPECT_EQ(*store_->pttl("nothing"), -2);
  ASSERT_TRUE(store_->set("forever", "1", std::nullopt).ok());
  EXPECT_EQ(*store_->pttl("forever"), -1);
  ASSERT_TRUE(store_->set("short", "1", milliseconds(1500)).ok());
  EXPECT_EQ(*store_->pttl("short"), 1500);
  now_ms_ += 1000;
  EXPECT_EQ(*store_->pttl("short"), 500);
  EXPECT_TRUE(*store_->exists("short"));
  now_ms_ += 500;
  EXPECT_EQ(*store_->pttl("short"), -2);
  EXPECT_EQ(*store_->get("short"), std::nullopt);
  EXPECT_EQ(*store_->keys("*"), std::vector<std::string>{"forever"});
  EXPECT_EQ(*store_->del({"short"}), 0);  // expired keys do not count as deleted
  EXPECT_FALSE(store_->set("bad", "1", milliseconds(0)).ok());
}

TEST_F(SqliteKvStoreTest, SetReplacesTheTtlAndPexpireSetsOrDeletes) {
  ASSERT_TRUE(store_->set("k", "1", milliseconds(100)).ok());
  ASSERT_TRUE(store_->set("k", "2", std::nullopt).ok());
  EXPECT_EQ(*store_->pttl("k"), -1);
  EXPECT_TRUE(*store_->pexpire("k", milliseconds(250)));
  EXPECT_EQ(*store_->pttl("k"), 250);
  EXPECT_FALSE(*store_->pexpire("missing", milliseconds(250)));
  EXPECT_TRUE(*store_->pexpire("k", milliseconds(0)));
  EXPECT_FALSE(*store_->exists("k"));
}

TEST_F(SqliteKvStoreTest, SetnxOnlyWhenAbsentOrExpired) {
  EXPECT_TRUE(*store_->setnx("lock", "a", milliseconds(100)));
  EXPECT_FALSE(*store_->setnx("lock", "b", std::nullopt));
  EXPECT_EQ(*store_->get("lock"), "a");
  now_ms_ += 100;
  EXPECT_TRUE(*store_->setnx("lock", "c", std::nullopt));
  EXPECT_EQ(*store_->get("lock"), "c");
  EXPECT_EQ(*store_->pttl("lock"), -1);
}

TEST_F(SqliteKvStoreTest, IncrbyCountsKeepsTtlAndRefusesNonIntegers) {
  EXPECT_EQ(*store_->incrby("n", 5), 5);
  EXPECT_EQ(*store_->incrby("n", -7), -2);
  EXPECT_EQ(*store_->get("n"), "-2");
  ASSERT_TRUE(store_->pexpire("n", milliseconds(1000)).ok());
  EXPECT_EQ(*store_->incrby("n", 1), -1);
  EXPECT_EQ(*store_->pttl("n"), 1000);
  ASSERT_TRUE(store_->set("text", "12a", std::nullopt).ok());
  auto bad = store_->incrby("text", 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "value is not an integer or out of range");
  ASSERT_TRUE(store_->set("max", "9223372036854775807", std::nullopt).ok());
  EXPECT_FALSE(store_->incrby("max", 1).ok());
  EXPECT_EQ(*store_->get("max"), "9223372036854775807");  // unchanged
}

TEST_F(SqliteKvStoreTest, KeysAndValuesMatchingUseRedisGlobs) {
  for (const char* key : {"otoroshi:a", "otoroshi:b1", "otoroshi:wasm:p:x", "other:a"}) {
    ASSERT_TRUE(store_->set(key, std::string("v-") + key, std::nullopt).ok());
  }
  EXPECT_EQ(*store_->keys("otoroshi:*"),
            (std::vector<std::string>{"otoroshi:a", "otoroshi:b1", "otoroshi:wasm:p:x"}));
  EXPECT_EQ(*store_->keys("otoroshi:?"), std::vector<std::string>{"otoroshi:a"});
  EXPECT_EQ(*store_->keys("*:a"), (std::vector<std::string>{"other:a", "otoroshi:a"}));
  EXPECT_EQ(*store_->values_matching("otoroshi:b*"), std::vector<std::string>{"v-otoroshi:b1"});
  EXPECT_TRUE(store_->keys("nomatch*")->empty());
}

TEST_F(SqliteKvStoreTest, ValuesAndTtlsSurviveReopening) {
  ASSERT_TRUE(store_->set("kept", "yes", std::nullopt).ok());
  ASSERT_TRUE(store_->set("ttl", "yes", milliseconds(5000)).ok());
  store_.reset();
  now_ms_ += 1000;
  store_ = open();
  EXPECT_EQ(*store_->get("kept"), "yes");
  EXPECT_EQ(*store_->pttl("ttl"), 4000);  // absolute expiry: the TTL kept running while closed
}

TEST_F(SqliteKvStoreTest, PurgeDeletesExpiredRows) {
  ASSERT_TRUE(store_->set("a", "1", milliseconds(10)).ok());
  ASSERT_TRUE(store_->set("b", "1", std::nullopt).ok());
  now_ms_ += 10;
  EXPECT_EQ(*store_->purge_expired(), 1);
  EXPECT_EQ(*store_->purge_expired(), 0);
  EXPECT_TRUE(*store_->exists("b"));
}

TEST(RedisGlob, MatchesLikeRedis) {
  EXPECT_TRUE(redis_glob_match("*", ""));
  EXPECT_TRUE(redis_glob_match("h?llo", "hello"));
  EXPECT_TRUE(redis_glob_match("h*llo", "heeeello"));
  EXPECT_TRUE(redis_glob_match("h[ae]llo", "hallo"));
  EXPECT_FALSE(redis_glob_match("h[ae]llo", "hillo"));
  EXPECT_TRUE(redis_glob_match("h[^e]llo", "hallo"));
  EXPECT_FALSE(redis_glob_match("h[^e]llo", "hello"));
  EXPECT_TRUE(redis_glob_match("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(redis_glob_match("h[b-a]llo", "hallo"));  // reversed ranges are swapped
  EXPECT_TRUE(redis_glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(redis_glob_match("a\\*b", "axb"));
  EXPECT_TRUE(redis_glob_match("*a*b*c", "xxaxxbxxc"));
  EXPECT_FALSE(redis_glob_match("*a*b*c", "xxaxxbxx"));
  EXPECT_FALSE(redis_glob_match("abc", "abcd"));
  // A pathological pattern stays fast (no exponential backtracking, no recursion).
  EXPECT_FALSE(redis_glob_match(std::string(64, '*') + std::string(40, 'a') + "b", std::string(2000, 'a')));
}

}  // namespace
}  // namespace wasmgate::store
