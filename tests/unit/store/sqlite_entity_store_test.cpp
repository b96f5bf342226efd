#include "store/sqlite_entity_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"

namespace wasmgate::store {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

// Runs SQL on the database file through a separate raw connection, as a hand edit or another process would.
void exec_raw(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

class SqliteEntityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("wasmgate-store-test-" + uuid_v4());
    data_dir_ = root_ / "nested" / "data";  // also proves the folder is created recursively
    store_ = open_store();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::shared_ptr<SqliteEntityStore> open_store() {
    auto store = SqliteEntityStore::open(data_dir_.string());
    if (!store) {
      ADD_FAILURE() << store.error().message;
      return nullptr;
    }
    return *store;
  }

  fs::path db_path() const { return SqliteEntityStore::database_path(data_dir_.string()); }

  std::vector<std::string> ids(std::string_view kind) {
    auto entities = store_->list(kind);
    EXPECT_TRUE(entities) << entities.error().message;
    std::vector<std::string> out;
    if (entities) {
      for (const auto& e : *entities) out.push_back(e.id);
    }
    return out;
  }

  fs::path root_;
  fs::path data_dir_;
  std::shared_ptr<SqliteEntityStore> store_;
};

TEST_F(SqliteEntityStoreTest, OpenCreatesMissingFolderAndDatabaseFile) {
  EXPECT_TRUE(fs::is_regular_file(data_dir_ / "wasmgate.db"));
  auto other = open_sqlite_entity_store((root_ / "a" / "b").string());
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_TRUE(fs::is_regular_file(root_ / "a" / "b" / "wasmgate.db"));
}

TEST_F(SqliteEntityStoreTest, GetReturnsWhatPutStoredAndNulloptWhenAbsent) {
  ASSERT_TRUE(store_->put("routes", "r1", obj(R"({"name":"one"})")));
  auto got = store_->get("routes", "r1");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, obj(R"({"name":"one"})"));

  auto missing = store_->get("routes", "nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  auto other_kind = store_->get("wasm-plugins", "r1");
  ASSERT_TRUE(other_kind);
  EXPECT_FALSE(other_kind->has_value());
}

TEST_F(SqliteEntityStoreTest, PutReplacesAnExistingEntity) {
  ASSERT_TRUE(store_->put("routes", "r1", obj(R"({"v":1})")));
  ASSERT_TRUE(store_->put("routes", "r1", obj(R"({"v":2})")));
  EXPECT_EQ(**store_->get("routes", "r1"), obj(R"({"v":2})"));
  EXPECT_EQ(*store_->count("routes"), 1u);
}

TEST_F(SqliteEntityStoreTest, CreateRejectsAnExistingIdWithConflictAndKeepsTheOriginal) {
  ASSERT_TRUE(store_->create("routes", "r1", obj(R"({"v":1})")));
  auto again = store_->create("routes", "r1", obj(R"({"v":2})"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::Conflict);
  EXPECT_EQ(again.error().message, "routes 'r1' already exists");
  EXPECT_EQ(**store_->get("routes", "r1"), obj(R"({"v":1})"));
  // The same id under another kind is a different entity.
  EXPECT_TRUE(store_->create("wasm-plugins", "r1", obj(R"({"v":3})")));
}

TEST_F(SqliteEntityStoreTest, RemoveReportsWhetherTheEntityExisted) {
  ASSERT_TRUE(store_->put("routes", "r1", obj("{}")));
  auto removed = store_->remove("routes", "r1");
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  auto again = store_->remove("routes", "r1");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_FALSE(store_->get("routes", "r1")->has_value());
}

TEST_F(SqliteEntityStoreTest, RemoveAllEmptiesOnlyThatKindAndCountsRemovals) {
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(store_->put("routes", id, obj("{}")));
  ASSERT_TRUE(store_->put("wasm-plugins", "p", obj("{}")));
  auto removed = store_->remove_all("routes");
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 3u);
  EXPECT_EQ(*store_->count("routes"), 0u);
  EXPECT_EQ(*store_->count("wasm-plugins"), 1u);
  EXPECT_EQ(*store_->remove_all("routes"), 0u);
}

TEST_F(SqliteEntityStoreTest, ListReturnsOneKindOrderedById) {
  for (const char* id : {"route_c", "route_a", "route_b"}) ASSERT_TRUE(store_->put("routes", id, obj("{}")));
  ASSERT_TRUE(store_->put("wasm-plugins", "route_0", obj("{}")));
  EXPECT_EQ(ids("routes"), (std::vector<std::string>{"route_a", "route_b", "route_c"}));
  EXPECT_EQ(ids("global-configs"), std::vector<std::string>{});
  EXPECT_EQ(*store_->count("routes"), 3u);
}

TEST_F(SqliteEntityStoreTest, ApplyPutsAndDeletesInOneBatch) {
  ASSERT_TRUE(store_->put("routes", "old", obj("{}")));
  std::vector<EntityWrite> batch{
      {"routes", "new", obj(R"({"v":1})")},
      {"routes", "old", std::nullopt},
      {"wasm-plugins", "p1", obj(R"({"v":2})")},
  };
  auto applied = store_->apply(batch);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(ids("routes"), std::vector<std::string>{"new"});
  EXPECT_EQ(**store_->get("wasm-plugins", "p1"), obj(R"({"v":2})"));
}

TEST_F(SqliteEntityStoreTest, ApplyLeavesNothingBehindWhenALaterWriteFails) {
  ASSERT_TRUE(store_->put("routes", "kept", obj(R"({"v":0})")));
  const auto version_before = store_->version();
  std::vector<EntityWrite> batch{
      {"routes", "fresh", obj("{}")},
      {"routes", "kept", std::nullopt},
      {"wasm-plugins", "", obj("{}")},  // an empty id violates the table's CHECK constraint
  };
  auto applied = store_->apply(batch);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, Errc::Storage);
  EXPECT_NE(applied.error().message.find("write 3 of 3"), std::string::npos) << applied.error().message;
  EXPECT_NE(applied.error().message.find("put wasm-plugins/:"), std::string::npos) << applied.error().message;

  EXPECT_EQ(ids("routes"), std::vector<std::string>{"kept"});
  EXPECT_EQ(**store_->get("routes", "kept"), obj(R"({"v":0})"));
  EXPECT_EQ(*store_->count("wasm-plugins"), 0u);
  EXPECT_EQ(store_->version(), version_before);
  // The connection is usable again: the failed transaction was rolled back, not left open.
  EXPECT_TRUE(store_->put("routes", "after", obj("{}")));
  EXPECT_TRUE(store_->apply({{"routes", "after2", obj("{}")}}));
}

TEST_F(SqliteEntityStoreTest, ApplyCreateOnlyFailsTheBatchWithConflictWhenTheIdExists) {
  ASSERT_TRUE(store_->put("routes", "taken", obj(R"({"v":0})")));
  std::vector<EntityWrite> batch{
      {"routes", "fresh", obj("{}"), true},
      {"routes", "taken", obj(R"({"v":1})"), true},
  };
  auto applied = store_->apply(batch);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, Errc::Conflict);
  EXPECT_EQ(ids("routes"), std::vector<std::string>{"taken"});
  EXPECT_EQ(**store_->get("routes", "taken"), obj(R"({"v":0})"));
  EXPECT_TRUE(store_->apply({{"routes", "fresh", obj("{}"), true}}));
}

TEST_F(SqliteEntityStoreTest, EntitiesSurviveCloseAndReopen) {
  ASSERT_TRUE(store_->put("routes", "r1", obj(R"({"v":1})")));
  ASSERT_TRUE(store_->apply({{"routes", "r2", obj(R"({"v":2})")}}));
  store_.reset();
  store_ = open_store();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(ids("routes"), (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(**store_->get("routes", "r2"), obj(R"({"v":2})"));
}

TEST_F(SqliteEntityStoreTest, VersionGrowsOnEveryWrite) {
  auto v = store_->version();
  auto expect_grew = [&](const char* what) {
    const auto now = store_->version();
    EXPECT_GT(now, v) << what;
    v = now;
  };
  ASSERT_TRUE(store_->put("routes", "a", obj("{}")));
  expect_grew("put");
  ASSERT_TRUE(store_->create("routes", "b", obj("{}")));
  expect_grew("create");
  ASSERT_TRUE(store_->remove("routes", "a"));
  expect_grew("remove");
  ASSERT_TRUE(store_->apply({{"routes", "c", obj("{}")}}));
  expect_grew("apply");
  ASSERT_TRUE(store_->remove_all("routes"));
  expect_grew("remove_all");
  EXPECT_EQ(store_->version(), v) << "reading must not move the version";
}

TEST_F(SqliteEntityStoreTest, VersionNoticesAWriteThroughASecondStoreOnTheSameFolder) {
  auto second = open_store();
  ASSERT_NE(second, nullptr);
  const auto before = store_->version();
  ASSERT_TRUE(second->put("routes", "from-second", obj(R"({"v":1})")));
  EXPECT_GT(store_->version(), before);
  EXPECT_EQ(**store_->get("routes", "from-second"), obj(R"({"v":1})"));
}

TEST_F(SqliteEntityStoreTest, ConcurrentWritersFromFourThreadsAllLand) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const auto id = "t" + std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(store_->put("routes", id, obj(R"({"x":1})")));
        (void)store_->version();  // readers poll while writers write
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(*store_->count("routes"), static_cast<std::size_t>(kThreads * kWritesPerThread));
}

TEST_F(SqliteEntityStoreTest, ConcurrentWritersOnSeparateConnectionsAllLand) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 10;
  std::vector<std::shared_ptr<SqliteEntityStore>> stores;
  for (int t = 0; t < kThreads; ++t) {
    stores.push_back(open_store());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stores, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const auto id = "c" + std::to_string(t) + "-" + std::to_string(i);
        auto written = stores[t]->apply({{"routes", id, obj("{}")}});
        EXPECT_TRUE(written) << written.error().message;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(*store_->count("routes"), static_cast<std::size_t>(kThreads * kWritesPerThread));
}

TEST_F(SqliteEntityStoreTest, RoundTripPreservesUnknownNestedJsonExactly) {
  const auto original = obj(R"({
    "id": "route_1",
    "unknown_future_field": {"deep": [1, [2, [3, {"x": null}]], {"y": [true, false]}], "empty": {}, "none": []},
    "unicode": "h\u00e9llo \u4e16\u754c \ud83d\ude80 \"quoted\" \\ \n\t\u0001",
    "numbers": [0, -1, 9223372036854775807, 18446744073709551615, -9223372036854775808, 0.1, 1e300, -2.5e-7],
    "order": {"z": 1, "a": 2, "m": 3}
  })");
  ASSERT_TRUE(store_->put("routes", "route_1", original));
  auto got = store_->get("routes", "route_1");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, original);
  EXPECT_EQ(json::serialize(**got), json::serialize(original)) << "key order and number forms must survive";
  auto listed = store_->list("routes");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(json::serialize(listed->front().json), json::serialize(original));
}

TEST_F(SqliteEntityStoreTest, ListSkipsARowWhoseJsonDoesNotParseAndGetReportsIt) {
  ASSERT_TRUE(store_->put("routes", "good", obj("{}")));
  const auto before = store_->version();
  exec_raw(db_path(), "INSERT INTO entities (kind, id, json, updated_at) VALUES ('routes', 'bad', '{oops', 0),"
                      " ('routes', 'array', '[1]', 0)");
  EXPECT_GT(store_->version(), before) << "a hand edit must be noticed";

  EXPECT_EQ(ids("routes"), std::vector<std::string>{"good"});
  auto bad = store_->get("routes", "bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Storage);
  EXPECT_NE(bad.error().message.find("routes/bad"), std::string::npos) << bad.error().message;
  auto array = store_->get("routes", "array");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().code, Errc::Storage);
  EXPECT_EQ(*store_->count("routes"), 3u);
}

TEST_F(SqliteEntityStoreTest, OpenRefusesADatabaseFromANewerSchema) {
  store_.reset();
  exec_raw(db_path(), "PRAGMA user_version = 99");
  auto reopened = SqliteEntityStore::open(data_dir_.string());
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code, Errc::Storage);
  EXPECT_NE(reopened.error().message.find("schema version 99"), std::string::npos) << reopened.error().message;
}

TEST_F(SqliteEntityStoreTest, OpenUsesWalJournalAndRecordsTheSchemaVersion) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  auto query_int = [db](const char* sql) -> std::string {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_EQ(query_int("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_int("PRAGMA user_version"), "1");
  sqlite3_close(db);
}

}  // namespace
}  // namespace wasmgate::store
