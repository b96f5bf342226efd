// Otoroshi's admin API, socket-free: HttpRequest in, HttpResponse out. Served on the admin listener and, on
// the proxy listener, for Host `otoroshi-api.*`. Paths, verbs, auth and bodies follow spec otoroshi-wasm.md
// §10.
#pragma once

#include <cstddef>
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string_view>
#include <memory>
#include <string>

#include "core/http_message.h"
#include "store/entity_store.h"

namespace wasmgate::admin {

class Router;
struct AdminContext;

struct AdminOptions {
  std::string client_id = "admin-api-apikey-id";
  std::string client_secret = "admin-api-apikey-secret";
  std::size_t max_body_bytes = 16u << 20;  // larger bodies: 413 (the listener enforces it before buffering)
  // Runtime status of a wasm plugin (our extension, GET …/wasm-plugins/:id/_status): source state and pools.
  // nullopt when the plugin is unknown to the runtime's state. Unset: the endpoint answers 503.
  std::function<std::optional<boost::json::object>(std::string_view id)> plugin_status;
};

class AdminApi {
 public:
  // `on_change` runs after every successful write, before the response is returned, so that a change is live
  // on the proxy when the client sees the answer.
  AdminApi(store::EntityStorePtr store, AdminOptions options,
           std::function<void(const store::EntityChanges&)> on_change);

  // Thread-safe. Never throws: bad input is a 4xx with a JSON body naming the field and the reason.
  // GET /health answers 200 {"status":"ok"} without credentials (readiness probe); everything else needs
  // them.
  HttpResponse handle(const HttpRequest& request);

 private:
  AdminOptions options_;
  std::shared_ptr<const AdminContext> ctx_;  // store + on_change, shared with the router's handlers
  std::shared_ptr<const Router> router_;     // immutable after construction: no lock on the request path
};

}  // namespace wasmgate::admin
