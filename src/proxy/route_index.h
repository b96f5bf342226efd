// The routes index: which enabled route serves a request, as Otoroshi decides it (spec §10.3, frontend).
//
// Host: exact name (lower-cased, port stripped), then wildcards `*.x.y` (longest suffix first), then `*`.
// Within one host: the longest declared domain path that is a prefix of the request path wins (`exact: true`
// needs equality, modulo a trailing slash); methods, headers and query then filter; when the best-path routes all
// fail those, the next shorter candidate is tried, then the next host class.
//
// Cost: one hash lookup per host class tried, then one hash lookup per distinct declared-path length of that host
// (a handful in practice), independent of how many routes the host or other hosts have.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/route.h"

namespace wasmgate::proxy {

// How the matcher reads request headers without depending on an HTTP library.
class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  // First value of the header, or nullopt. `name` is lower-case; implementations compare case-insensitively.
  virtual std::optional<std::string_view> get(std::string_view name) const = 0;
};

struct MatchRequest {
  std::string_view method;  // "GET"
  std::string_view host;    // Host header as received (any case, may carry ":port")
  std::string_view path;    // origin-form path without the query, e.g. "/api/users"
  std::string_view query;   // after '?', without it; may be empty
  const HeaderSource* headers = nullptr;  // may be null when no route has header constraints
};

struct RouteMatch {
  const model::Route* route = nullptr;  // owned by the index's snapshot
  std::size_t slot = 0;                 // dense index of the route in the index: key for per-route state arrays
  std::string_view matched_path;        // the declared domain path that matched (lives in the index)
  std::string forwarded_path;           // backend.root + request path (prefix removed if strip_path); no query
};

// Lower-cases and removes the port: "API.Foo:8080" -> "api.foo", "[::1]:80" -> "[::1]". Also drops one trailing
// dot of a fully qualified name.
std::string normalize_host(std::string_view host);

class RouteIndex {
 public:
  RouteIndex();
  // Disabled routes are left out. Routes keep being owned by the index (shared).
  explicit RouteIndex(std::vector<model::RoutePtr> routes);
  ~RouteIndex();
  RouteIndex(RouteIndex&&) noexcept;
  RouteIndex& operator=(RouteIndex&&) noexcept;

  std::optional<RouteMatch> match(const MatchRequest& request) const;

  // Enabled routes, in slot order (RouteMatch::slot indexes this).
  const std::vector<model::RoutePtr>& routes() const { return routes_; }
  std::size_t size() const { return routes_.size(); }

 private:
  struct PathTable;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using HostMap = std::unordered_map<std::string, std::unique_ptr<PathTable>, StringHash, std::equal_to<>>;

  PathTable& ensure_table(HostMap& map, const std::string& key);

  std::vector<model::RoutePtr> routes_;
  HostMap exact_hosts_;
  HostMap wildcard_hosts_;  // key: the suffix after "*." ("wild.oto.tools")
  std::unique_ptr<PathTable> any_host_;
};

}  // namespace wasmgate::proxy
