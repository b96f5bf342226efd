#include "store/detail/sqlite_schema.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include <iterator>
#include <string>
#include <string_view>

namespace wasmgate::store::detail {
namespace {

// Migration i brings the schema from user_version i to i + 1; append only, never edit a released step.
// The CHECK keeps empty kinds and ids out (they would make unaddressable entities).
constexpr const char* kMigrations[] = {
    "CREATE TABLE entities ("
    "  kind TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"  // epoch ms of the last write, for humans and future sync
    "  PRIMARY KEY (kind, id),"
    "  CONSTRAINT non_empty_key CHECK (kind <> '' AND id <> '')"
    ") WITHOUT ROWID",
};
static_assert(std::size(kMigrations) == kEntitySchemaVersion, "one migration per schema version");

// Runs a statement that yields one row and returns its first column as text (PRAGMA reads).
Result<std::string> query_text(sqlite3* db, std::string_view sql, std::string_view op) {
  auto stmt = prepare(db, sql);
  if (!stmt) return stmt.take_error();
  StatementRun run(stmt->get());
  if (run.step() != SQLITE_ROW) return storage_error(db, op);
  return std::string(run.column_text(0));
}

Result<void> migrate(sqlite3* db, const std::string& path) {
  // IMMEDIATE: two processes opening a fresh file at once must not both create the table.
  if (auto r = exec(db, "BEGIN IMMEDIATE", fmt::format("open {}: begin migration", path)); !r) return r;
  auto migrate_in_transaction = [&]() -> Result<void> {
    auto version_text = query_text(db, "PRAGMA user_version", fmt::format("open {}: read user_version", path));
    if (!version_text) return version_text.take_error();
    const int version = std::stoi(*version_text);
    if (version > kEntitySchemaVersion) {
      return make_error(Errc::Storage,
                        fmt::format("open {}: schema version {} is newer than this build supports ({}); "
                                    "upgrade wasmgate or restore a matching backup",
                                    path, version, kEntitySchemaVersion));
    }
    for (int v = version; v < kEntitySchemaVersion; ++v) {
      if (auto r = exec(db, kMigrations[v], fmt::format("open {}: migrate schema {} -> {}", path, v, v + 1)); !r) {
        return r;
      }
    }
    if (version == kEntitySchemaVersion) return {};
    const auto set_version = fmt::format("PRAGMA user_version = {}", kEntitySchemaVersion);
    return exec(db, set_version.c_str(), fmt::format("open {}: write user_version", path));
  };
  auto result = migrate_in_transaction();
  if (!result) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return result;
  }
  return exec(db, "COMMIT", fmt::format("open {}: commit migration", path));
}

}  // namespace

Result<DbHandle> open_entity_database(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the store serializes every use of its connection with its own mutex.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);  // a handle is returned even on failure and must be closed
  if (rc != SQLITE_OK) {
    if (!db) return make_error(Errc::Storage, fmt::format("open {}: out of memory", path));
    return storage_error(db.get(), fmt::format("open {}", path));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  // WAL lets the reloader read while an admin write is under way, and other processes read concurrently.
  auto mode = query_text(db.get(), "PRAGMA journal_mode = WAL", fmt::format("open {}: set journal_mode", path));
  if (!mode) return mode.take_error();
  if (*mode != "wal") {
    return make_error(Errc::Storage, fmt::format("open {}: cannot enable WAL journal (got '{}'); the folder must "
                                                 "be on a local filesystem with shared-memory support",
                                                 path, *mode));
  }
  // In WAL mode only FULL syncs the WAL on every commit: an acknowledged write survives power loss.
  if (auto r = exec(db.get(), "PRAGMA synchronous = FULL", fmt::format("open {}: set synchronous", path)); !r) {
    return r.take_error();
  }
  if (auto r = migrate(db.get(), path); !r) return r.take_error();
  return db;
}

}  // namespace wasmgate::store::detail
