// Where entities live. Backend-neutral on purpose: the embedded SQLite store is the default, a Redis one comes
// later, and nothing above this interface may tell them apart. Entities are opaque JSON objects here, filed by
// kind ("routes", "wasm-plugins", "global-configs") and id; validation belongs to model/, not to the store.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace wasmgate::store {

struct StoredEntity {
  std::string id;
  boost::json::object json;
};

// What a successful write touched, so a reader can refresh only that. An empty id means every entity of the
// kind (delete-all).
struct EntityChange {
  std::string kind;
  std::string id;
};
using EntityChanges = std::vector<EntityChange>;

// One write of a batch: an upsert (json set) or a delete (json empty).
struct EntityWrite {
  std::string kind;
  std::string id;
  std::optional<boost::json::object> json;  // nullopt = delete
  // With json set: insert only; the whole batch fails with Errc::Conflict if the id exists by then (closes the
  // race between a bulk create's existence check and a concurrent single create).
  bool create_only = false;
};

class EntityStore {
 public:
  virtual ~EntityStore();

  // All entities of a kind, ordered by id. Errc::Storage on backend failure.
  virtual Result<std::vector<StoredEntity>> list(std::string_view kind) = 0;

  // One entity, or nullopt when absent.
  virtual Result<std::optional<boost::json::object>> get(std::string_view kind, std::string_view id) = 0;

  // Inserts only when absent: Errc::Conflict if the id exists. Durable when it returns ok.
  virtual Result<void> create(std::string_view kind, std::string_view id, const boost::json::object& json) = 0;

  // Inserts or replaces. Durable when it returns ok.
  virtual Result<void> put(std::string_view kind, std::string_view id, const boost::json::object& json) = 0;

  // Removes; returns whether the entity existed.
  virtual Result<bool> remove(std::string_view kind, std::string_view id) = 0;

  // Removes every entity of a kind; returns how many were removed.
  virtual Result<std::size_t> remove_all(std::string_view kind) = 0;

  // Applies every write or none (one transaction). Durable when it returns ok.
  virtual Result<void> apply(const std::vector<EntityWrite>& writes) = 0;

  // Number of entities of a kind.
  virtual Result<std::size_t> count(std::string_view kind) = 0;

  // A counter that grows on every successful write, from this process or (for shared backends) another one.
  // Readers compare it to decide whether to rebuild their in-memory snapshot.
  virtual std::uint64_t version() = 0;
};

using EntityStorePtr = std::shared_ptr<EntityStore>;

// Opens (creating if needed) the embedded SQLite store in `data_dir` (created if missing).
Result<EntityStorePtr> open_sqlite_entity_store(const std::string& data_dir);

}  // namespace wasmgate::store
