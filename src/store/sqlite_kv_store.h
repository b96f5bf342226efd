// The embedded KvStore: one SQLite file, <data_dir>/kv.db, table `kv(key, value BLOB, expires_at)` with TTLs
// as absolute epoch milliseconds, so they keep running across restarts.
//
// Durability: WAL with synchronous=NORMAL — a committed write survives a crash of the process (kill -9), and
// may be lost only to a power cut within the last checkpoint window. Plugin data is written on the request
// path (a counter per request), where an fsync per write would cost milliseconds; the entity store, written
// rarely, keeps FULL.
//
// Expiry: an expired key is invisible to every call at once; its row is deleted when a write meets it and by
// purge_expired(), which the gateway runs periodically. Threads: every method may be called from any thread
// (one connection under a mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/detail/sqlite_handle.h"
#include "store/kv_store.h"

namespace wasmgate::store {

class SqliteKvStore final : public KvStore {
 public:
  // Wall-clock "now" in epoch milliseconds; replaceable for tests.
  using NowMs = std::function<std::int64_t()>;

  // Opens (creating if needed) `<data_dir>/kv.db`. Errc::Storage naming the path on failure.
  static Result<std::shared_ptr<SqliteKvStore>> open(const std::string& data_dir, NowMs now = {});
  ~SqliteKvStore() override;

  static std::string database_path(const std::string& data_dir);

  Result<std::optional<std::string>> get(std::string_view key) override;
  Result<void> set(std::string_view key, std::string_view value,
                   std::optional<std::chrono::milliseconds> ttl) override;
  Result<bool> setnx(std::string_view key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl) override;
  Result<std::int64_t> del(const std::vector<std::string>& keys) override;
  Result<bool> exists(std::string_view key) override;
  Result<std::int64_t> pttl(std::string_view key) override;
  Result<std::vector<std::string>> keys(std::string_view pattern) override;
  Result<std::vector<std::string>> values_matching(std::string_view pattern) override;
  Result<std::int64_t> incrby(std::string_view key, std::int64_t delta) override;
  Result<bool> pexpire(std::string_view key, std::chrono::milliseconds ttl) override;

  // Deletes the rows of expired keys; returns how many.
  Result<std::int64_t> purge_expired();

 private:
  struct Statements;
  struct Row {
    std::string value;
    std::optional<std::int64_t> expires_at;
  };
  SqliteKvStore(detail::DbHandle db, std::unique_ptr<Statements> stmts, std::string path, NowMs now);

  // The live row of `key` (nullopt when absent or expired). Caller holds mu_.
  Result<std::optional<Row>> read_row(std::string_view key, std::int64_t now);
  Result<void> write_row(std::string_view key, std::string_view value,
                         std::optional<std::int64_t> expires_at);
  Result<std::int64_t> delete_row(std::string_view key);
  // Matching live keys and, when `with_values`, their values. Caller holds mu_.
  Result<void> scan(std::string_view pattern, bool with_values, std::vector<std::string>& keys_out,
                    std::vector<std::string>* values_out);
  // Runs `body` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK on failure). Caller holds mu_.
  Result<void> transaction(const std::function<Result<void>()>& body);
  std::int64_t now_ms() const { return now_(); }
  Error failed(std::string_view op, std::string_view key) const;

  detail::DbHandle db_;
  std::unique_ptr<Statements> stmts_;
  std::string path_;
  NowMs now_;
  std::mutex mu_;
};

}  // namespace wasmgate::store
