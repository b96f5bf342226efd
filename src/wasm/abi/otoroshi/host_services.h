// What Otoroshi's host functions (module `env`, spec otoroshi-wasm.md §4) need from the gateway around them:
// the proxy state, the configurations, the stores and an event sink. Defined here, implemented above
// (plugins/otoroshi_host_services.h), so the ABI layer never includes the proxy or the plugins layer.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string_view>

#include "store/kv_store.h"
#include "store/memory_maps.h"

namespace wasmgate::abi::otoroshi {

// The gateway as host functions see it. Shared by every VM of the process: every method is thread-safe and
// may be called from any VM's thread while a guest waits.
class HostServices {
 public:
  virtual ~HostServices() = default;

  // proxy_state: {"routes": [...], "wasmPlugins": [...], ...}, every entity list Otoroshi names (§4.3), the
  // ones the gateway does not have being [].
  virtual boost::json::object state() = 0;
  // proxy_state_value: the entities of list `entity` (a name of state()), or with `id` the one with that id
  // (null when absent). nullopt for a name state() does not have (the guest then sees null).
  virtual std::optional<boost::json::value> state_value(std::string_view entity,
                                                        std::optional<std::string_view> id) = 0;
  // proxy_global_config: the dynamic global config entity.
  virtual boost::json::object global_config() = 0;
  // proxy_config: the static configuration (serve options), secrets redacted.
  virtual boost::json::object static_config() = 0;
  // proxy_cluster_state: the cluster description (a single node until clustering exists).
  virtual boost::json::object cluster_state() = 0;

  // proxy_datastore_* and proxy_plugin_datastore_*: null when the gateway runs without one (the functions
  // then fail the call with a clear error).
  virtual store::KvStore* kv_store() = 0;
  // proxy_global_map_* and proxy_plugin_map_*.
  virtual store::MemoryMaps& memory_maps() = 0;
  // proxy_log_event: a WasmLogEvent (analytics event JSON) to record.
  virtual void log_event(const boost::json::object& event) = 0;
};

using HostServicesPtr = std::shared_ptr<HostServices>;

// The attributes of the request a call serves (Otoroshi's TypedMap), as proxy_*_attr* see and change them.
// Set for the duration of one call (AttrsScope); the implementation owns the attrs' rules (the settable keys
// of spec §3.0). Used from the calling thread only.
class CallAttrs {
 public:
  virtual ~CallAttrs() = default;
  virtual const boost::json::object& all() const = 0;
  // Stores `value` under `key` when the key is settable and the value has its shape; false otherwise.
  virtual bool set(std::string_view key, const boost::json::value& value) = 0;
  // Removes every attr whose key contains `needle`; true when one was removed.
  virtual bool del(std::string_view needle) = 0;
  virtual void clear() = 0;
};

}  // namespace wasmgate::abi::otoroshi
