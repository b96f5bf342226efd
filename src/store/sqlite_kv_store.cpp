#include "store/sqlite_kv_store.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <utility>

namespace wasmgate::store {

struct SqliteKvStore::Statements {
  detail::StatementHandle get;
  detail::StatementHandle upsert;
  detail::StatementHandle set_expiry;
  detail::StatementHandle remove;
  detail::StatementHandle scan_from;
  detail::StatementHandle purge;
  detail::StatementHandle begin;
  detail::StatementHandle commit;
  detail::StatementHandle rollback;
};

namespace {

constexpr const char* kDatabaseFileName = "kv.db";
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS kv ("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value BLOB NOT NULL,"
    "  expires_at INTEGER"  // epoch ms; NULL = no TTL
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;";

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_live(const std::optional<std::int64_t>& expires_at, std::int64_t now) {
  return !expires_at || *expires_at > now;
}

// The part of a glob before its first special character: every matching key starts with it, so a scan can
// begin there instead of at the first key.
std::string_view literal_prefix(std::string_view pattern) {
  const auto end = pattern.find_first_of("*?[\\");
  return pattern.substr(0, end);
}

Error not_an_integer() {
  return make_error(Errc::BadRequest, "value is not an integer or out of range");
}

}  // namespace

std::string SqliteKvStore::database_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kDatabaseFileName).string();
}

Result<std::shared_ptr<SqliteKvStore>> SqliteKvStore::open(const std::string& data_dir, NowMs now) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return make_error(Errc::Storage, fmt::format("open {}: {}", data_dir, ec.message()));
  const std::string path = database_path(data_dir);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  detail::DbHandle db(raw);
  if (rc != SQLITE_OK) {
    if (!db) return make_error(Errc::Storage, fmt::format("open {}: out of memory", path));
    return detail::storage_error(db.get(), fmt::format("open {}", path));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  const auto op = fmt::format("open {}", path);
  // NORMAL in WAL mode: durable against a process crash without an fsync per write (see the header).
  for (const char* sql : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", kSchema}) {
    if (auto r = detail::exec(db.get(), sql, op); !r) return r.take_error();
  }

  auto stmts = std::make_unique<Statements>();
  const std::pair<detail::StatementHandle*, std::string_view> sources[] = {
      {&stmts->get, "SELECT value, expires_at FROM kv WHERE key = ?1"},
      {&stmts->upsert,
       "INSERT INTO kv (key, value, expires_at) VALUES (?1, ?2, ?3) "
       "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at"},
      {&stmts->set_expiry, "UPDATE kv SET expires_at = ?2 WHERE key = ?1"},
      {&stmts->remove, "DELETE FROM kv WHERE key = ?1"},
      {&stmts->scan_from, "SELECT key, value, expires_at FROM kv WHERE key >= ?1 ORDER BY key"},
      {&stmts->purge, "DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?1"},
      {&stmts->begin, "BEGIN IMMEDIATE"},
      {&stmts->commit, "COMMIT"},
      {&stmts->rollback, "ROLLBACK"},
  };
  for (const auto& [target, sql] : sources) {
    auto stmt = detail::prepare(db.get(), sql);
    if (!stmt) return make_error(Errc::Storage, fmt::format("{}: {}", op, stmt.error().message));
    *target = std::move(*stmt);
  }
  return std::shared_ptr<SqliteKvStore>(
      new SqliteKvStore(std::move(db), std::move(stmts), path, now ? std::move(now) : NowMs(system_now_ms)));
}

SqliteKvStore::SqliteKvStore(detail::DbHandle db, std::unique_ptr<Statements> stmts, std::string path,
                             NowMs now)
    : db_(std::move(db)), stmts_(std::move(stmts)), path_(std::move(path)), now_(std::move(now)) {}

SqliteKvStore::~SqliteKvStore() {
  stmts_.reset();  // statements before the connection
}

Error SqliteKvStore::failed(std::string_view op, std::string_view key) const {
  return detail::storage_error(db_.get(), fmt::format("kv {} {}", op, key));
}

Result<std::optional<SqliteKvStore::Row>> SqliteKvStore::read_row(std::string_view key, std::int64_t now) {
  detail::StatementRun run(stmts_->get.get());
  run.bind(1, key);
  const int rc = run.step();
  if (rc == SQLITE_DONE) return std::optional<Row>();
  if (rc != SQLITE_ROW) return failed("get", key);
  Row row;
  if (!run.column_is_null(1)) row.expires_at = run.column_int(1);
  if (!is_live(row.expires_at, now)) return std::optional<Row>();
  row.value = std::string(run.column_blob(0));
  return std::optional<Row>(std::move(row));
}

Result<void> SqliteKvStore::write_row(std::string_view key, std::string_view value,
                                      std::optional<std::int64_t> expires_at) {
  detail::StatementRun run(stmts_->upsert.get());
  run.bind(1, key).bind_blob(2, value);
  if (expires_at)
    run.bind(3, *expires_at);
  else
    run.bind_null(3);
  if (run.step() != SQLITE_DONE) return failed("set", key);
  return {};
}

Result<std::int64_t> SqliteKvStore::delete_row(std::string_view key) {
  detail::StatementRun run(stmts_->remove.get());
  run.bind(1, key);
  if (run.step() != SQLITE_DONE) return failed("del", key);
  return static_cast<std::int64_t>(sqlite3_changes(db_.get()));
}

Result<void> SqliteKvStore::transaction(const std::function<Result<void>()>& body) {
  {
    detail::StatementRun begin(stmts_->begin.get());
    if (begin.step() != SQLITE_DONE) return failed("begin", "");
  }
  auto result = body();
  if (result) {
    detail::StatementRun commit(stmts_->commit.get());
    if (commit.step() == SQLITE_DONE) return result;
    result = failed("commit", "");
  }
  detail::StatementRun rollback(stmts_->rollback.get());
  (void)rollback.step();
  return result;
}

Result<std::optional<std::string>> SqliteKvStore::get(std::string_view key) {
  std::lock_guard lock(mu_);
  auto row = read_row(key, now_ms());
  if (!row) return row.take_error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(std::move((*row)->value));
}

Result<void> SqliteKvStore::set(std::string_view key, std::string_view value,
                                std::optional<std::chrono::milliseconds> ttl) {
  if (ttl && ttl->count() <= 0)
    return make_error(Errc::BadRequest, "invalid expire time (ttl must be > 0 ms)");
  std::lock_guard lock(mu_);
  return write_row(key, value, ttl ? std::optional(now_ms() + ttl->count()) : std::nullopt);
}

Result<bool> SqliteKvStore::setnx(std::string_view key, std::string_view value,
                                  std::optional<std::chrono::milliseconds> ttl) {
  if (ttl && ttl->count() <= 0)
    return make_error(Errc::BadRequest, "invalid expire time (ttl must be > 0 ms)");
  std::lock_guard lock(mu_);
  bool written = false;
  auto done = transaction([&]() -> Result<void> {
    const std::int64_t now = now_ms();
    auto row = read_row(key, now);
    if (!row) return row.take_error();
    if (*row) return {};  // a live key: NX refuses (an expired one is replaced)
    written = true;
    return write_row(key, value, ttl ? std::optional(now + ttl->count()) : std::nullopt);
  });
  if (!done) return done.take_error();
  return written;
}

Result<std::int64_t> SqliteKvStore::del(const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  std::int64_t removed = 0;
  auto done = transaction([&]() -> Result<void> {
    const std::int64_t now = now_ms();
    for (const auto& key : keys) {
      auto row = read_row(key, now);  // an expired key does not count as deleted, as in Redis
      if (!row) return row.take_error();
      auto count = delete_row(key);
      if (!count) return count.take_error();
      if (*row) ++removed;
    }
    return {};
  });
  if (!done) return done.take_error();
  return removed;
}

Result<bool> SqliteKvStore::exists(std::string_view key) {
  std::lock_guard lock(mu_);
  auto row = read_row(key, now_ms());
  if (!row) return row.take_error();
  return row->has_value();
}

Result<std::int64_t> SqliteKvStore::pttl(std::string_view key) {
  std::lock_guard lock(mu_);
  const std::int64_t now = now_ms();
  auto row = read_row(key, now);
  if (!row) return row.take_error();
  if (!*row) return std::int64_t{-2};
  if (!(*row)->expires_at) return std::int64_t{-1};
  return *(*row)->expires_at - now;
}

Result<void> SqliteKvStore::scan(std::string_view pattern, bool with_values,
                                 std::vector<std::string>& keys_out, std::vector<std::string>* values_out) {
  const std::string_view prefix = literal_prefix(pattern);
  const std::int64_t now = now_ms();
  detail::StatementRun run(stmts_->scan_from.get());
  run.bind(1, prefix);
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return failed("keys", pattern);
    const std::string_view key = run.column_text(0);
    if (!key.starts_with(prefix)) return {};  // ordered by key: no later key can match
    std::optional<std::int64_t> expires_at;
    if (!run.column_is_null(2)) expires_at = run.column_int(2);
    if (!is_live(expires_at, now) || !redis_glob_match(pattern, key)) continue;
    keys_out.emplace_back(key);
    if (with_values) values_out->emplace_back(run.column_blob(1));
  }
}

Result<std::vector<std::string>> SqliteKvStore::keys(std::string_view pattern) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  if (auto r = scan(pattern, false, out, nullptr); !r) return r.take_error();
  return out;
}

Result<std::vector<std::string>> SqliteKvStore::values_matching(std::string_view pattern) {
  std::lock_guard lock(mu_);
  std::vector<std::string> keys;
  std::vector<std::string> values;
  if (auto r = scan(pattern, true, keys, &values); !r) return r.take_error();
  return values;
}

Result<std::int64_t> SqliteKvStore::incrby(std::string_view key, std::int64_t delta) {
  std::lock_guard lock(mu_);
  std::int64_t result = 0;
  auto done = transaction([&]() -> Result<void> {
    auto row = read_row(key, now_ms());
    if (!row) return row.take_error();
    std::int64_t current = 0;
    std::optional<std::int64_t> expires_at;
    if (*row) {
      const std::string& text = (*row)->value;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), current);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return not_an_integer();
      expires_at = (*row)->expires_at;  // INCRBY keeps the TTL
    }
    if (__builtin_add_overflow(current, delta, &result)) return not_an_integer();
    return write_row(key, std::to_string(result), expires_at);
  });
  if (!done) return done.take_error();
  return result;
}

Result<bool> SqliteKvStore::pexpire(std::string_view key, std::chrono::milliseconds ttl) {
  std::lock_guard lock(mu_);
  bool applied = false;
  auto done = transaction([&]() -> Result<void> {
    const std::int64_t now = now_ms();
    auto row = read_row(key, now);
    if (!row) return row.take_error();
    if (!*row) return {};
    applied = true;
    if (ttl.count() <= 0) return delete_row(key).ok() ? Result<void>() : failed("pexpire", key);
    detail::StatementRun run(stmts_->set_expiry.get());
    run.bind(1, key).bind(2, now + ttl.count());
    if (run.step() != SQLITE_DONE) return failed("pexpire", key);
    return {};
  });
  if (!done) return done.take_error();
  return applied;
}

Result<std::int64_t> SqliteKvStore::purge_expired() {
  std::lock_guard lock(mu_);
  detail::StatementRun run(stmts_->purge.get());
  run.bind(1, now_ms());
  if (run.step() != SQLITE_DONE) return failed("purge", "expired keys");
  return static_cast<std::int64_t>(sqlite3_changes(db_.get()));
}

}  // namespace wasmgate::store
