#include "store/sqlite_entity_store.h"

#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "core/clock.h"
#include "store/detail/sqlite_schema.h"

namespace wasmgate::store {
namespace {

constexpr const char* kDatabaseFileName = "wasmgate.db";

// Stored rows are untrusted (the file may be edited by hand): anything but a JSON object is an error.
Result<boost::json::object> parse_stored(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec) return make_error(Errc::Storage, fmt::format("stored JSON does not parse ({})", ec.message()));
  if (!value.is_object()) return make_error(Errc::Storage, "stored JSON is not an object");
  return std::move(value.as_object());
}

Result<std::int64_t> read_data_version(sqlite3* db, sqlite3_stmt* stmt) {
  detail::StatementRun run(stmt);
  if (run.step() != SQLITE_ROW) return detail::storage_error(db, "read data_version");
  return run.column_int(0);
}

}  // namespace

std::string SqliteEntityStore::database_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kDatabaseFileName).string();
}

Result<std::shared_ptr<SqliteEntityStore>> SqliteEntityStore::open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return make_error(Errc::Storage, fmt::format("open {}: cannot create the data folder: {}", data_dir,
                                                 ec.message()));
  }
  const std::string path = database_path(data_dir);
  auto db = detail::open_entity_database(path);
  if (!db) return db.take_error();

  Statements stmts;
  const std::pair<detail::StatementHandle*, std::string_view> sources[] = {
      {&stmts.list, "SELECT id, json FROM entities WHERE kind = ?1 ORDER BY id"},
      {&stmts.get, "SELECT json FROM entities WHERE kind = ?1 AND id = ?2"},
      {&stmts.insert, "INSERT INTO entities (kind, id, json, updated_at) VALUES (?1, ?2, ?3, ?4)"},
      {&stmts.upsert,
       "INSERT INTO entities (kind, id, json, updated_at) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at"},
      {&stmts.remove, "DELETE FROM entities WHERE kind = ?1 AND id = ?2"},
      {&stmts.remove_all, "DELETE FROM entities WHERE kind = ?1"},
      {&stmts.count, "SELECT count(*) FROM entities WHERE kind = ?1"},
      // IMMEDIATE takes the write lock up front: a deferred transaction could fail half-way with BUSY_SNAPSHOT.
      {&stmts.begin, "BEGIN IMMEDIATE"},
      {&stmts.commit, "COMMIT"},
      {&stmts.rollback, "ROLLBACK"},
      {&stmts.data_version, "PRAGMA data_version"},
  };
  for (const auto& [target, sql] : sources) {
    auto stmt = detail::prepare(db->get(), sql);
    if (!stmt) return make_error(Errc::Storage, fmt::format("open {}: {}", path, stmt.error().message));
    *target = std::move(*stmt);
  }
  auto data_version = read_data_version(db->get(), stmts.data_version.get());
  if (!data_version) return make_error(Errc::Storage, fmt::format("open {}: {}", path, data_version.error().message));

  // The constructor is private; make_shared cannot reach it.
  return std::shared_ptr<SqliteEntityStore>(
      new SqliteEntityStore(std::move(*db), std::move(stmts), *data_version));
}

SqliteEntityStore::SqliteEntityStore(detail::DbHandle db, Statements statements, std::int64_t data_version)
    : db_(std::move(db)), stmts_(std::move(statements)), last_data_version_(data_version) {}

SqliteEntityStore::~SqliteEntityStore() = default;

// EntityStore

Result<std::vector<StoredEntity>> SqliteEntityStore::list(std::string_view kind) {
  std::lock_guard lock(mu_);
  detail::StatementRun run(stmts_.list.get());
  run.bind(1, kind);
  std::vector<StoredEntity> entities;
  int rc;
  while ((rc = run.step()) == SQLITE_ROW) {
    const std::string_view id = run.column_text(0);
    auto json = parse_stored(run.column_text(1));
    if (!json) {
      // One bad row must not hide every other entity of its kind from the reloader.
      spdlog::warn("store: list {}: skipping {}/{}: {}", kind, kind, id, json.error().message);
      continue;
    }
    entities.push_back(StoredEntity{std::string(id), std::move(*json)});
  }
  if (rc != SQLITE_DONE) return detail::storage_error(db_.get(), fmt::format("list {}", kind));
  return entities;
}

Result<std::optional<boost::json::object>> SqliteEntityStore::get(std::string_view kind, std::string_view id) {
  std::lock_guard lock(mu_);
  detail::StatementRun run(stmts_.get.get());
  run.bind(1, kind).bind(2, id);
  const int rc = run.step();
  if (rc == SQLITE_DONE) return std::optional<boost::json::object>();
  if (rc != SQLITE_ROW) return detail::storage_error(db_.get(), fmt::format("get {}/{}", kind, id));
  auto json = parse_stored(run.column_text(0));
  if (!json) return make_error(Errc::Storage, fmt::format("get {}/{}: {}", kind, id, json.error().message));
  return std::optional<boost::json::object>(std::move(*json));
}

Result<void> SqliteEntityStore::create(std::string_view kind, std::string_view id,
                                       const boost::json::object& json) {
  std::lock_guard lock(mu_);
  auto result = insert_locked(kind, id, json, fmt::format("create {}/{}", kind, id));
  if (result) ++version_;
  return result;
}

Result<void> SqliteEntityStore::insert_locked(std::string_view kind, std::string_view id,
                                              const boost::json::object& json, std::string_view op) {
  const std::string text = boost::json::serialize(json);
  detail::StatementRun run(stmts_.insert.get());
  run.bind(1, kind).bind(2, id).bind(3, text).bind(4, now_epoch_ms());
  // The primary key decides, atomically: no read-then-write race with another writer.
  const int rc = run.step();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return make_error(Errc::Conflict, fmt::format("{} '{}' already exists", kind, id));
  }
  if (rc != SQLITE_DONE) return detail::storage_error(db_.get(), std::string(op));
  return {};
}

Result<void> SqliteEntityStore::put(std::string_view kind, std::string_view id, const boost::json::object& json) {
  std::lock_guard lock(mu_);
  auto result = upsert_locked(kind, id, json, "put");
  if (result) ++version_;
  return result;
}

Result<bool> SqliteEntityStore::remove(std::string_view kind, std::string_view id) {
  std::lock_guard lock(mu_);
  auto removed = remove_locked(kind, id, "remove");
  if (removed && *removed) ++version_;
  return removed;
}

Result<std::size_t> SqliteEntityStore::remove_all(std::string_view kind) {
  std::lock_guard lock(mu_);
  detail::StatementRun run(stmts_.remove_all.get());
  run.bind(1, kind);
  if (run.step() != SQLITE_DONE) return detail::storage_error(db_.get(), fmt::format("remove_all {}", kind));
  const auto removed = static_cast<std::size_t>(sqlite3_changes64(db_.get()));
  if (removed > 0) ++version_;
  return removed;
}

Result<void> SqliteEntityStore::apply(const std::vector<EntityWrite>& writes) {
  if (writes.empty()) return {};
  std::lock_guard lock(mu_);
  {
    detail::StatementRun begin(stmts_.begin.get());
    if (begin.step() != SQLITE_DONE) return detail::storage_error(db_.get(), "apply: begin transaction");
  }
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const EntityWrite& write = writes[i];
    const std::string op = fmt::format("apply (write {} of {}): {}", i + 1, writes.size(),
                                       !write.json ? "remove" : write.create_only ? "create" : "put");
    Result<void> result;
    if (write.json && write.create_only) {
      result = insert_locked(write.kind, write.id, *write.json, op);
    } else if (write.json) {
      result = upsert_locked(write.kind, write.id, *write.json, op);
    } else if (auto removed = remove_locked(write.kind, write.id, op); !removed) {
      result = removed.take_error();
    }
    if (!result) {
      rollback_locked();
      return result;
    }
  }
  {
    detail::StatementRun commit(stmts_.commit.get());
    if (commit.step() != SQLITE_DONE) {
      auto error = detail::storage_error(db_.get(), "apply: commit");
      rollback_locked();
      return error;
    }
  }
  ++version_;
  return {};
}

Result<std::size_t> SqliteEntityStore::count(std::string_view kind) {
  std::lock_guard lock(mu_);
  detail::StatementRun run(stmts_.count.get());
  run.bind(1, kind);
  if (run.step() != SQLITE_ROW) return detail::storage_error(db_.get(), fmt::format("count {}", kind));
  return static_cast<std::size_t>(run.column_int(0));
}

std::uint64_t SqliteEntityStore::version() {
  std::lock_guard lock(mu_);
  // data_version moves only for commits of other connections; ours are counted in version_ as they happen.
  auto data_version = read_data_version(db_.get(), stmts_.data_version.get());
  if (!data_version) {
    spdlog::warn("store: {}; foreign changes go unnoticed until it succeeds", data_version.error().message);
  } else if (*data_version != last_data_version_) {
    last_data_version_ = *data_version;
    ++version_;
  }
  return version_;
}

// Helpers (mu_ held)

Result<void> SqliteEntityStore::upsert_locked(std::string_view kind, std::string_view id,
                                              const boost::json::object& json, std::string_view op) {
  const std::string text = boost::json::serialize(json);
  detail::StatementRun run(stmts_.upsert.get());
  run.bind(1, kind).bind(2, id).bind(3, text).bind(4, now_epoch_ms());
  if (run.step() != SQLITE_DONE) return detail::storage_error(db_.get(), fmt::format("{} {}/{}", op, kind, id));
  return {};
}

Result<bool> SqliteEntityStore::remove_locked(std::string_view kind, std::string_view id, std::string_view op) {
  detail::StatementRun run(stmts_.remove.get());
  run.bind(1, kind).bind(2, id);
  if (run.step() != SQLITE_DONE) return detail::storage_error(db_.get(), fmt::format("{} {}/{}", op, kind, id));
  return sqlite3_changes64(db_.get()) > 0;
}

void SqliteEntityStore::rollback_locked() {
  // Some errors (I/O, full disk) already rolled the transaction back; a second ROLLBACK would only fail.
  if (sqlite3_get_autocommit(db_.get()) != 0) return;
  detail::StatementRun rollback(stmts_.rollback.get());
  if (rollback.step() != SQLITE_DONE) {
    spdlog::error("store: rollback failed: {}", sqlite3_errmsg(db_.get()));
  }
}

Result<EntityStorePtr> open_sqlite_entity_store(const std::string& data_dir) {
  auto store = SqliteEntityStore::open(data_dir);
  if (!store) return store.take_error();
  return EntityStorePtr(std::move(*store));
}

}  // namespace wasmgate::store
