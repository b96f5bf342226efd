// The default EntityStore: one SQLite 3 file, <data_dir>/wasmgate.db, table `entities(kind, id, json, updated_at)`.
//
// Durability: WAL journal with synchronous=FULL, so every write method has committed (and synced) before it
// returns ok; an acknowledged write survives kill -9 and power loss. Other processes (or a second store on the
// same folder, or a hand edit with the sqlite3 shell) may use the file concurrently: locks wait up to
// detail::kBusyTimeoutMs, and version() notices their commits.
//
// Threads: every method may be called from any thread. One connection, guarded by a mutex, with statements
// prepared once: admin writes are rare and the full list is read only on reload, so a pool would buy nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/detail/sqlite_handle.h"
#include "store/entity_store.h"

namespace wasmgate::store {

class SqliteEntityStore final : public EntityStore {
 public:
  // Opens (creating if needed) `<data_dir>/wasmgate.db`; `data_dir` is created recursively when missing.
  // Errc::Storage naming the path when the folder or the database cannot be opened or migrated.
  static Result<std::shared_ptr<SqliteEntityStore>> open(const std::string& data_dir);
  ~SqliteEntityStore() override;

  // The database file a store in `data_dir` uses.
  static std::string database_path(const std::string& data_dir);

  // EntityStore. Failures are Errc::Storage "<op> <kind>/<id>: <reason>", except create()'s Errc::Conflict.
  // A stored row whose JSON no longer parses (hand edit) is skipped by list() with a warning and reported by
  // get() as Errc::Storage.
  Result<std::vector<StoredEntity>> list(std::string_view kind) override;
  Result<std::optional<boost::json::object>> get(std::string_view kind, std::string_view id) override;
  Result<void> create(std::string_view kind, std::string_view id, const boost::json::object& json) override;
  Result<void> put(std::string_view kind, std::string_view id, const boost::json::object& json) override;
  Result<bool> remove(std::string_view kind, std::string_view id) override;
  Result<std::size_t> remove_all(std::string_view kind) override;
  // One BEGIN IMMEDIATE ... COMMIT; on any failure ROLLBACK and an error naming the failing write's kind/id.
  Result<void> apply(const std::vector<EntityWrite>& writes) override;
  Result<std::size_t> count(std::string_view kind) override;
  // Starts at 1; grows after each write of this store that changed something, and once per poll that finds
  // commits from another connection (PRAGMA data_version). One cheap statement per call.
  std::uint64_t version() override;

 private:
  // Prepared once at open, reused under mu_ (each use through a detail::StatementRun).
  struct Statements {
    detail::StatementHandle list, get, insert, upsert, remove, remove_all, count;
    detail::StatementHandle begin, commit, rollback, data_version;
  };
  SqliteEntityStore(detail::DbHandle db, Statements statements, std::int64_t data_version);

  // Callers hold mu_. `op` prefixes error messages.
  Result<void> insert_locked(std::string_view kind, std::string_view id, const boost::json::object& json,
                            std::string_view op);
  Result<void> upsert_locked(std::string_view kind, std::string_view id, const boost::json::object& json,
                             std::string_view op);
  Result<bool> remove_locked(std::string_view kind, std::string_view id, std::string_view op);
  void rollback_locked();

  std::mutex mu_;
  detail::DbHandle db_;     // declared before the statements: destroyed after them
  Statements stmts_;
  std::uint64_t version_ = 1;
  std::int64_t last_data_version_ = 0;  // PRAGMA data_version at the last poll
};

}  // namespace wasmgate::store
