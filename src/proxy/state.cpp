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

// Parses every stored entity of a kind with `parse`, skipping (and logging) the ones that do not validate.
template <typename T, typename Parse>
Result<std::vector<std::shared_ptr<const T>>> load_all(store::EntityStore& store, std::string_view kind,
                                                       Parse parse) {
  auto listed = store.list(kind);
  if (!listed) {
    return make_error(listed.error().code, "listing " + std::string(kind) + ": " + listed.error().message);
  }
  std::vector<std::shared_ptr<const T>> out;
  out.reserve(listed->size());
  for (const auto& entity : *listed) {
    auto parsed = parse(boost::json::value(entity.json));
    if (!parsed) {
      spdlog::warn("{} '{}' is invalid and is not served: {}", kind, entity.id, parsed.error().message);
      continue;
    }
    out.push_back(std::make_shared<const T>(std::move(parsed).value()));
  }
  return out;
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

Result<void> StateHolder::reload() {
  std::lock_guard reload_lock(reload_mu_);
  // Read the store version first: a write landing while we list bumps it again and the next
  // reload_if_changed() picks it up.
  const std::uint64_t store_version = store_->version();

  auto routes = load_all<model::Route>(*store_, kRoutesKind, model::parse_route);
  if (!routes) return routes.take_error();
  auto plugins = load_all<model::WasmPlugin>(*store_, kWasmPluginsKind, model::parse_wasm_plugin);
  if (!plugins) return plugins.take_error();
  auto global = load_global_config(*store_);
  if (!global) return global.take_error();

  const std::uint64_t next = version_.load(std::memory_order_relaxed) + 1;
  const std::size_t route_count = routes->size();
  auto snap = make_snapshot(next, std::move(routes).value(), std::move(plugins).value(), std::move(global).value());
  {
    std::lock_guard lock(mu_);
    snapshot_ = std::move(snap);
  }
  // Published after the pointer: a reader that sees the new version always finds that snapshot (or newer).
  version_.store(next, std::memory_order_release);
  store_version_seen_ = store_version;
  loaded_once_ = true;
  spdlog::debug("state v{}: {} routes loaded", next, route_count);
  return {};
}

Result<void> StateHolder::reload_if_changed() {
  {
    std::lock_guard reload_lock(reload_mu_);
    if (loaded_once_ && store_->version() == store_version_seen_) return {};
  }
  return reload();
}

std::shared_ptr<const Snapshot> StateHolder::current() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

}  // namespace wasmgate::proxy
