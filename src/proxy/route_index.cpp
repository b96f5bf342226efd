#include "proxy/route_index.h"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "proxy/path_rewrite.h"

namespace wasmgate::proxy {

namespace {

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower_ascii(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Query components are compared decoded ("a%20b" and "a+b" both read "a b"), as Play's queryString does.
std::string decode_query_component(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool query_has(std::string_view query, std::string_view name, std::string_view value) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    const std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (decode_query_component(raw_name) == name && decode_query_component(raw_value) == value) return true;
  }
  return false;
}

bool constraints_pass(const model::Frontend& fe, const MatchRequest& request) {
  if (!fe.methods.empty() &&
      std::find(fe.methods.begin(), fe.methods.end(), request.method) == fe.methods.end()) {
    return false;
  }
  for (const auto& [name, value] : fe.headers) {
    if (request.headers == nullptr) return false;
    const auto got = request.headers->get(name);
    if (!got || *got != value) return false;
  }
  for (const auto& [name, value] : fe.query) {
    if (!query_has(request.query, name, value)) return false;
  }
  return true;
}

// The key an exact route is filed under: its path without a trailing slash ("/" -> "").
std::string_view exact_key(std::string_view path) {
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

namespace {

void normalize_host_into(std::string_view host, std::string& out) {
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close != std::string_view::npos) host = host.substr(0, close + 1);
  } else {
    const std::size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  out.assign(host);
  for (char& c : out) c = lower_ascii(c);
}

}  // namespace

std::string normalize_host(std::string_view host) {
  std::string out;
  normalize_host_into(host, out);
  return out;
}

// All routes of one host class, by declared path.
struct RouteIndex::PathTable {
  struct Entry {
    const model::Route* route;
    std::size_t slot;
    std::string_view path;  // declared path (points into the route's Domain, kept alive by routes_)
    bool exact;
    std::size_t constraints;  // methods/headers/query declared: more specific routes are tried first
  };
  // Key: the declared path for prefix routes, the path without trailing '/' for exact routes.
  std::unordered_map<std::string, std::vector<Entry>, StringHash, std::equal_to<>> by_key;
  std::vector<std::size_t> key_lengths;  // distinct key lengths, longest first

  void add(Entry e) {
    const std::string_view key = e.exact ? exact_key(e.path) : e.path;
    by_key[std::string(key)].push_back(e);
  }

  void finish() {
    key_lengths.clear();
    for (auto& [key, entries] : by_key) {
      key_lengths.push_back(key.size());
      std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        if (a.exact != b.exact) return a.exact;
        if (a.constraints != b.constraints) return a.constraints > b.constraints;
        return a.route->id < b.route->id;
      });
    }
    std::sort(key_lengths.begin(), key_lengths.end(), std::greater<>());
    key_lengths.erase(std::unique(key_lengths.begin(), key_lengths.end()), key_lengths.end());
  }

  const Entry* find(const MatchRequest& request) const {
    const std::string_view path = request.path;
    const std::size_t trimmed = exact_key(path).size();
    for (const std::size_t len : key_lengths) {
      if (len > path.size()) continue;
      const auto it = by_key.find(path.substr(0, len));
      if (it == by_key.end()) continue;
      for (const Entry& e : it->second) {
        if (e.exact && len != trimmed) continue;
        if (constraints_pass(e.route->frontend, request)) return &e;
      }
    }
    return nullptr;
  }
};

RouteIndex::RouteIndex() = default;
RouteIndex::~RouteIndex() = default;
RouteIndex::RouteIndex(RouteIndex&&) noexcept = default;
RouteIndex& RouteIndex::operator=(RouteIndex&&) noexcept = default;

RouteIndex::PathTable& RouteIndex::ensure_table(HostMap& map, const std::string& key) {
  auto& slot = map[key];
  if (!slot) slot = std::make_unique<PathTable>();
  return *slot;
}

RouteIndex::RouteIndex(std::vector<model::RoutePtr> routes) {
  routes_.reserve(routes.size());
  for (auto& r : routes) {
    if (r && r->enabled) routes_.push_back(std::move(r));
  }
  for (std::size_t slot = 0; slot < routes_.size(); ++slot) {
    const model::Route& route = *routes_[slot];
    const model::Frontend& fe = route.frontend;
    const std::size_t constraints = (fe.methods.empty() ? 0 : 1) + fe.headers.size() + fe.query.size();
    for (const model::Domain& d : fe.domains) {
      PathTable::Entry entry{&route, slot, d.path.empty() ? std::string_view("/") : std::string_view(d.path),
                             fe.exact, constraints};
      if (d.host == "*") {
        if (!any_host_) any_host_ = std::make_unique<PathTable>();
        any_host_->add(entry);
      } else if (d.host.size() > 2 && d.host.compare(0, 2, "*.") == 0) {
        ensure_table(wildcard_hosts_, d.host.substr(2)).add(entry);
      } else if (d.host.find('*') != std::string::npos) {
        spdlog::warn("route {}: domain '{}{}' uses a wildcard form wasmgate does not serve yet (only '*.x.y' "
                     "and '*'); this domain is ignored",
                     route.id, d.host, d.path);
      } else {
        ensure_table(exact_hosts_, d.host).add(entry);
      }
    }
  }
  for (auto& [host, table] : exact_hosts_) table->finish();
  for (auto& [host, table] : wildcard_hosts_) table->finish();
  if (any_host_) any_host_->finish();
}

std::optional<RouteMatch> RouteIndex::match(const MatchRequest& request) const {
  // Reused per thread: no allocation per request once warm.
  thread_local std::string host;
  normalize_host_into(request.host, host);
  const PathTable::Entry* found = nullptr;

  if (auto it = exact_hosts_.find(host); it != exact_hosts_.end()) found = it->second->find(request);
  if (found == nullptr && !wildcard_hosts_.empty()) {
    // "*.x.y" serves any name ending in ".x.y": try the suffixes after each dot, longest first.
    for (std::size_t dot = host.find('.'); found == nullptr && dot != std::string::npos;
         dot = host.find('.', dot + 1)) {
      const std::string_view suffix = std::string_view(host).substr(dot + 1);
      if (auto it = wildcard_hosts_.find(suffix); it != wildcard_hosts_.end()) found = it->second->find(request);
    }
  }
  if (found == nullptr && any_host_) found = any_host_->find(request);
  if (found == nullptr) return std::nullopt;

  RouteMatch m;
  m.route = found->route;
  m.slot = found->slot;
  m.matched_path = found->path;
  const std::string_view rest =
      found->route->frontend.strip_path ? strip_matched_prefix(request.path, found->path) : request.path;
  m.forwarded_path = join_root(found->route->backend.root, rest);
  return m;
}

}  // namespace wasmgate::proxy
