// Thin RAII over the SQLite C API, private to store/: owned connections and prepared statements, one execution
// of a statement at a time, and SQLite failures turned into Errc::Storage errors that name the operation.
// Nothing here is thread-safe on its own; the owner serializes access to a connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace wasmgate::store::detail {

struct DbCloser {
  void operator()(sqlite3* db) const;
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const;
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Errc::Storage "<op>: <sqlite3_errmsg>", for the last failure on `db`.
Error storage_error(sqlite3* db, std::string_view op);

// Compiles `sql` once, for reuse through StatementRun.
Result<StatementHandle> prepare(sqlite3* db, std::string_view sql);

// Runs SQL without results (schema, BEGIN/COMMIT at open time); `op` names it in the error.
Result<void> exec(sqlite3* db, const char* sql, std::string_view op);

// One execution of a prepared statement. The destructor resets the statement and clears its bindings, so the
// statement is ready for the next use and no read snapshot is left open (an open one would hide other
// connections' commits from PRAGMA data_version and hold back WAL checkpoints).
class StatementRun {
 public:
  explicit StatementRun(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementRun();
  StatementRun(const StatementRun&) = delete;
  StatementRun& operator=(const StatementRun&) = delete;

  // Parameters are 1-based. Values are copied; a failed bind is reported by the next step().
  StatementRun& bind(int index, std::string_view text);
  StatementRun& bind(int index, std::int64_t value);
  // Bytes stored as a BLOB (no text encoding assumed: any byte, NULs included).
  StatementRun& bind_blob(int index, std::string_view bytes);
  StatementRun& bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE, or the SQLite error code (message in sqlite3_errmsg of the connection).
  int step();

  // Columns of the current row (0-based). The text view lives until the next step() or the end of the run.
  std::string_view column_text(int index) const;
  std::int64_t column_int(int index) const;
  // A BLOB (or TEXT) column's bytes; same lifetime as column_text.
  std::string_view column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;  // first failing bind, SQLITE_OK (0) when none failed
};

}  // namespace wasmgate::store::detail
