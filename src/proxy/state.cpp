#include "proxy/state.h"

#include <spdlog/spdlog.h>

#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/entity_types.h"

namespace wasmgate::proxy {

namespace {

constexpr std::string_view kRoutesKind = "routes";
constexpr std::string_view kWasmPluginsKind = "wasm-plugins";

// Rebuilds `map` from every stored entity of a kind. An entity whose stored JSON equals the cached one keeps
// its parsed object (parsing and normalizing is most of a reload's cost); the others are parsed with `parse`,
// and those that do not validate are skipped and logged.
template <typename Map, typename Parse>
Result<void> reload_kind(store::EntityStore& store, std::string_view kind, Parse parse, Map& map) {
  auto listed = store.list(kind);
  if (!listed) {
    return make_error(listed.error().code, "listing " + std::string(kind) + ": " + listed.error().message);
  }
  Map next;
  for (auto& entity : *listed) {
    if (auto it = map.find(entity.id); it != map.end() && it->second->json == entity.json) {
      next.emplace(entity.id, it->second);
      continue;
    }
    auto parsed = parse(boost::json::value(std::move(entity.json)));
    if (!parsed) {
      spdlog::warn("{} '{}' is invalid and is not served: {}", kind, entity.id, parsed.error().message);
      continue;
    }
    using T = typename Map::mapped_type::element_type;
    next.emplace(entity.id, std::make_shared<T>(std::move(parsed).value()));
  }
  map = std::move(next);
  return {};
}

// Re-reads one entity into `map` (or removes it when it is gone or invalid).
template <typename Map, typename Parse>
Result<void> refresh_one(store::EntityStore& store, std::string_view kind, const std::string& id, Parse parse,
                         Map& map) {
  auto got = store.get(kind, id);
  if (!got) return make_error(got.error().code, "reading " + std::string(kind) + " '" + id + "': " + got.error().message);
  if (!got->has_value()) {
    map.erase(id);
    return {};
  }
  auto parsed = parse(boost::json::value(std::move(**got)));
  if (!parsed) {
    spdlog::warn("{} '{}' is invalid and is not served: {}", kind, id, parsed.error().message);
    map.erase(id);
    return {};
  }
  using T = typename Map::mapped_type::element_type;
  map.insert_or_assign(id, std::make_shared<T>(std::move(parsed).value()));
  return {};
}

Result<std::shared_ptr<const model::GlobalConfig>> load_global_config(store::EntityStore& store) {
  auto doc = store.get(model::kGlobalConfigKind, model::kGlobalConfigId);
  if (!doc) return make_error(doc.error().code, "reading the global config: " + doc.error().message);
  const boost::json::value json = doc->has_value() ? boost::json::value(**doc)
                                                   : boost::json::value(model::default_global_config());
  auto parsed = model::parse_global_config(json);
  if (!parsed) {
    spdlog::warn("the stored global config is invalid, serving the defaults: {}", parsed.error().message);
    parsed = model::parse_global_config(boost::json::value(model::default_global_config()));
    if (!parsed) return parsed.take_error();
  }
  return std::make_shared<const model::GlobalConfig>(std::move(parsed).value());
}

}  // namespace

StateHolder::StateHolder(store::EntityStorePtr store) : store_(std::move(store)) {
  // Readers may ask before the first reload: they get an empty (but valid) snapshot.
  snapshot_ = make_snapshot(0, {}, {}, nullptr);
}

Result<void> StateHolder::reload_routes() { return reload_kind(*store_, kRoutesKind, model::parse_route, routes_); }

Result<void> StateHolder::reload_plugins() {
  return reload_kind(*store_, kWasmPluginsKind, model::parse_wasm_plugin, plugins_);
}

Result<void> StateHolder::reload() {
  std::lock_guard reload_lock(reload_mu_);
  // Read the store version first: a write landing while we list bumps it again and the next
  // reload_if_changed() picks it up.
  const std::uint64_t store_version = store_->version();
  if (auto r = reload_routes(); !r) return r;
  if (auto r = reload_plugins(); !r) return r;
  auto global = load_global_config(*store_);
  if (!global) return global.take_error();
  global_ = std::move(global).value();
  publish();
  store_version_seen_ = store_version;
  loaded_once_ = true;
  return {};
}

Result<void> StateHolder::reload_if_changed() {
  {
    std::lock_guard reload_lock(reload_mu_);
    if (loaded_once_ && store_->version() == store_version_seen_) return {};
  }
  return reload();
}

Result<void> StateHolder::apply_changes(const store::EntityChanges& changes) {
  std::lock_guard reload_lock(reload_mu_);
  for (const auto& change : changes) {
    Result<void> r;
    if (change.kind == kRoutesKind) {
      r = change.id.empty() ? reload_routes() : refresh_one(*store_, kRoutesKind, change.id, model::parse_route, routes_);
    } else if (change.kind == kWasmPluginsKind) {
      r = change.id.empty() ? reload_plugins()
                            : refresh_one(*store_, kWasmPluginsKind, change.id, model::parse_wasm_plugin, plugins_);
    } else if (change.kind == model::kGlobalConfigKind) {
      auto global = load_global_config(*store_);
      if (global) global_ = std::move(global).value();
      else r = global.take_error();
    }
    if (!r) return r;
  }
  publish();
  return {};
}

void StateHolder::publish() {
  std::vector<model::RoutePtr> routes;
  routes.reserve(routes_.size());
  for (const auto& [id, route] : routes_) routes.push_back(route);
  std::vector<model::WasmPluginPtr> plugins;
  plugins.reserve(plugins_.size());
  for (const auto& [id, plugin] : plugins_) plugins.push_back(plugin);

  const std::uint64_t next = version_.load(std::memory_order_relaxed) + 1;
  auto snap = make_snapshot(next, std::move(routes), std::move(plugins), global_);
  {
    std::lock_guard lock(mu_);
    snapshot_ = std::move(snap);
  }
  // Published after the pointer: a reader that sees the new version always finds that snapshot (or newer).
  version_.store(next, std::memory_order_release);
  spdlog::debug("state v{}: {} routes, {} wasm plugins", next, routes_.size(), plugins_.size());
}

std::shared_ptr<const Snapshot> StateHolder::current() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

}  // namespace wasmgate::proxy
