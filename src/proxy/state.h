// The immutable in-memory view the hot path reads: routes index, wasm plugins by id, global config.
// Rebuilt off the hot path from the EntityStore and swapped atomically; the store is never touched per request.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <map>
#include <mutex>
#include <string>

#include "core/error.h"
#include "proxy/snapshot.h"
#include "store/entity_store.h"

namespace wasmgate::proxy {

class StateHolder {
 public:
  explicit StateHolder(store::EntityStorePtr store);

  // Reads every entity, builds a new Snapshot and publishes it. Entities that fail validation are skipped and
  // logged (they were validated when written; this guards against a store edited by hand). Thread-safe.
  Result<void> reload();

  // Reloads only when the store's version moved since the last reload (cheap; called by a periodic timer).
  Result<void> reload_if_changed();

  // Re-reads only the named entities (an admin write just changed them) and publishes. Cost grows with the
  // number of changes, not of entities, so a write is live at once even with 10 000 routes. The periodic
  // reload_if_changed() still reconciles with the store afterwards. Thread-safe.
  Result<void> apply_changes(const store::EntityChanges& changes);

  // The current snapshot. Lock-free for readers that cache it per thread (see version()).
  std::shared_ptr<const Snapshot> current() const;
  // Grows on every publish; I/O threads compare it with their cached snapshot's version.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  store::EntityStore& store() { return *store_; }

 private:
  store::EntityStorePtr store_;
  std::mutex reload_mu_;   // one reload at a time (admin writes and the periodic timer may race)
  mutable std::mutex mu_;  // guards snapshot_ (writers and the slow path of readers)
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<std::uint64_t> version_{0};
  void publish();  // builds a Snapshot from the maps below; reload_mu_ held

  using RouteMap = std::map<std::string, model::RoutePtr, std::less<>>;
  using PluginMap = std::map<std::string, model::WasmPluginPtr, std::less<>>;
  Result<void> reload_routes();   // reload_mu_ held
  Result<void> reload_plugins();  // reload_mu_ held

  // The parsed entities behind the published snapshot, by id (guarded by reload_mu_). A reload reuses an entry
  // whose stored JSON did not change instead of parsing it again.
  RouteMap routes_;
  PluginMap plugins_;
  std::shared_ptr<const model::GlobalConfig> global_;
  std::uint64_t store_version_seen_ = 0;  // guarded by reload_mu_
  bool loaded_once_ = false;              // guarded by reload_mu_
};

}  // namespace wasmgate::proxy
