// Otoroshi's route entity (spec otoroshi-wasm.md §10.3): the typed view the proxy reads, plus the full JSON
// document (defaults filled in, unknown fields kept) that the admin API returns and plugins receive as
// `route`.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace wasmgate::model {

// One entry of frontend.domains: "host" or "host/path". A leading "*." makes the host a wildcard.
struct Domain {
  std::string host;  // lower-cased, no port; may start with "*." (any subdomain) or be "*" (any host)
  std::string path;  // starts with '/', "/" when absent
};

// Parses one frontend.domains entry as Otoroshi's NgDomainAndPath does (split on '/', trailing empty
// segments dropped, so "a.com/api/" has path "/api"), then lower-cases the host and strips a port.
// Errc::BadRequest for an empty entry, a missing host, a scheme ("http://...") or whitespace.
Result<Domain> parse_domain(std::string_view raw);

// backend.targets[].tls_config (Otoroshi's NgTlsConfig).
struct TargetTlsConfig {
  std::vector<std::string> certs;          // client certificate ids
  std::vector<std::string> trusted_certs;  // trusted CA certificate ids
  bool enabled = false;
  bool loose = false;
  bool trust_all = false;
};

struct Target {
  std::string id;  // default "<http|https>://<hostname>[@ip]:<port>"
  std::string hostname;
  int port = 80;
  bool tls = false;
  int weight = 1;
  bool backup = false;
  std::string protocol = "HTTP/1.1";
  std::optional<std::string> ip_address;  // connect here instead of resolving hostname
  TargetTlsConfig tls_config;
  boost::json::object predicate;  // {"type":"AlwaysMatch"} by default; kept as stored
};

// backend.client.custom_timeouts[] (Otoroshi's NgCustomTimeouts): overrides for request paths matching
// `path`.
struct CustomTimeouts {
  std::string path = "*";
  std::int64_t connection_timeout_ms = 10000;
  std::int64_t idle_timeout_ms = 60000;
  std::int64_t call_and_stream_timeout_ms = 3600000;
  std::int64_t call_timeout_ms = 30000;
  std::int64_t global_timeout_ms = 30000;
};

// backend.client (Otoroshi's NgClientConfig); durations in milliseconds.
struct ClientConfig {
  int retries = 1;
  std::int64_t connection_timeout_ms = 10000;
  std::int64_t idle_timeout_ms = 60000;
  std::int64_t call_timeout_ms = 30000;  // time to the response headers
  std::int64_t call_and_stream_timeout_ms = 120000;
  std::int64_t global_timeout_ms = 30000;
  int max_errors = 20;
  std::int64_t retry_initial_delay_ms = 50;
  std::int64_t backoff_factor = 2;
  std::int64_t sample_interval_ms = 2000;
  std::vector<CustomTimeouts> custom_timeouts;
};

struct Backend {
  std::vector<Target> targets;
  std::string root = "/";
  bool rewrite = false;
  std::string load_balancing = "RoundRobin";  // load_balancing.type
  ClientConfig client;
  std::optional<boost::json::object> health_check;  // kept as stored; nullopt when null
};

struct Frontend {
  std::vector<Domain> domains;
  bool strip_path = true;
  bool exact = false;
  std::vector<std::string> methods;                          // upper-cased; empty = all
  std::vector<std::pair<std::string, std::string>> headers;  // name (lower-cased) -> exact value
  std::vector<std::pair<std::string, std::string>> query;    // name -> exact value
  std::vector<std::pair<std::string, std::string>> cookies;  // name -> exact value
};

// Frontend.headers / query / cookies values are kept verbatim: Otoroshi also accepts expressions there
// ("Exists()", "Regex(...)", "Wildcard(...)", "NotDefined()"...); interpreting them is the router's job.

// One entry of route.plugins (also the shape of global slots in plugins.config.ng).
struct PluginSlot {
  std::string plugin;  // e.g. "cp:otoroshi.next.plugins.WasmAccessValidator"
  bool enabled = true;
  bool debug = false;
  std::vector<std::string> include;  // path regexes
  std::vector<std::string> exclude;
  boost::json::object config;
  std::vector<std::string> bound_listeners;
  std::optional<boost::json::object> plugin_index;  // per-step ordering, e.g. {"validate_access": 0}
  boost::json::object json;                         // the whole slot as stored
};

struct Route {
  std::string id;
  std::string name;
  std::string description;
  bool enabled = true;
  Frontend frontend;
  Backend backend;
  std::vector<PluginSlot> plugins;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::string> groups;           // ["default"]
  std::vector<std::string> bound_listeners;  // empty = every listener
  bool debug_flow = false;
  bool export_reporting = false;
  bool capture = false;
  // Id of a stored backend that replaces `backend` in Otoroshi; not resolved here (no backend entities yet).
  std::optional<std::string> backend_ref;
  boost::json::object json;  // full normalized document
};

using RoutePtr = std::shared_ptr<const Route>;

// Validates and normalizes an admin/stored document: required `id` and `name`, every default of §10.3 filled
// in, unknown fields kept. Errc::BadRequest naming the field ("frontend.domains[0]: must be a string").
Result<Route> parse_route(const boost::json::value& json);

// Validates and normalizes one plugin slot (route.plugins[i] or a global plugins.config.ng[i]).
Result<PluginSlot> parse_plugin_slot(const boost::json::value& json);

// A new route with a generated id `route_<uuid>` and Otoroshi's template defaults.
boost::json::object route_template();

}  // namespace wasmgate::model
