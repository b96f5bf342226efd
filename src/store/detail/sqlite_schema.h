// Opening the entity database: connection settings (durability, locking) and schema migrations.
#pragma once

#include <string>

#include "core/error.h"
#include "store/detail/sqlite_handle.h"

namespace wasmgate::store::detail {

// Schema generation written to PRAGMA user_version; a database from a newer build is refused, not guessed at.
inline constexpr int kEntitySchemaVersion = 1;

// How long a statement waits for another connection's lock (another process, or a second store on the same
// file) before failing with "database is locked". Admin writes are short; 5 s only bites on a stuck peer.
inline constexpr int kBusyTimeoutMs = 5000;

// Opens (creating if missing) the database file at `path`, sets WAL + synchronous=FULL + busy_timeout, and
// migrates the schema to kEntitySchemaVersion. Errc::Storage naming the path on any failure.
Result<DbHandle> open_entity_database(const std::string& path);

}  // namespace wasmgate::store::detail
