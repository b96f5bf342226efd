#include "store/detail/sqlite_handle.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace wasmgate::store::detail {

void DbCloser::operator()(sqlite3* db) const {
  // v2 defers the close until every statement is finalized, so member destruction order cannot leak it.
  sqlite3_close_v2(db);
}

void StatementFinalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Error storage_error(sqlite3* db, std::string_view op) {
  return make_error(Errc::Storage, fmt::format("{}: {}", op, sqlite3_errmsg(db)));
}

Result<StatementHandle> prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return storage_error(db, fmt::format("prepare '{}'", sql));
  }
  return StatementHandle(stmt);
}

Result<void> exec(sqlite3* db, const char* sql, std::string_view op) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return storage_error(db, op);
  return {};
}

StatementRun::~StatementRun() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

StatementRun& StatementRun::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

StatementRun& StatementRun::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

StatementRun& StatementRun::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: sqlite3_bind_blob64 with a null pointer binds NULL.
  static const char kEmpty = 0;
  const char* data = bytes.empty() ? &kEmpty : bytes.data();
  const int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

StatementRun& StatementRun::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

int StatementRun::step() {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

std::string_view StatementRun::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

std::int64_t StatementRun::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string_view StatementRun::column_blob(int index) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  if (bytes == nullptr) return {};
  return {bytes, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool StatementRun::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

}  // namespace wasmgate::store::detail
