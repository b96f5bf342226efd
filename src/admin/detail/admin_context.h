// What every admin endpoint needs: the store and the hook that makes a write live on the proxy.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string_view>

#include "store/entity_store.h"

namespace wasmgate::admin {

// Otoroshi serves the same entities on two URL families that answer slightly differently.
enum class Flavor {
  Generic,  // /apis/<group>/<version>/<plural>: entities carry "kind", DELETE answers the deleted entity
  Legacy,   // /api/routes, /api/globalconfig: plain entities, DELETE answers {"deleted": true}
};

struct AdminContext {
  store::EntityStorePtr store;
  std::function<void(const store::EntityChanges&)> on_change;
  std::function<std::optional<boost::json::object>(std::string_view id)> plugin_status;  // AdminOptions'

  // Called after each successful write and before the answer, so a client that sees the answer sees the
  // change live on the proxy. `changes` names what was written.
  void notify_change(const store::EntityChanges& changes) const {
    if (on_change) on_change(changes);
  }
  void notify_change(std::string_view kind, std::string_view id) const {
    notify_change(store::EntityChanges{{std::string(kind), std::string(id)}});
  }
};

}  // namespace wasmgate::admin
