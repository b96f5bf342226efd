#include "plugins/plugin_runtime.h"

#include <spdlog/spdlog.h>

#include <boost/asio/thread_pool.hpp>

#include "plugins/otoroshi_host_services.h"
#include "plugins/request_attrs.h"
#include "wasm/abi/extism/http_fetcher.h"
#include "wasm/abi/otoroshi/otoroshi_functions.h"
#include "wasm/http_wasm_handler.h"
#include "wasm/opa_policy.h"
#include "wasm/vm.h"
#include "wasm/vm_http_client.h"
#include "wasm/vm_modules.h"

namespace wasmgate::plugins {

struct PluginRuntime::Impl {
  explicit Impl(int threads) : blocking(static_cast<std::size_t>(threads < 1 ? 1 : threads)) {}
  ~Impl() { blocking.join(); }
  boost::asio::thread_pool blocking;
};

namespace {

wasm::VmSpec vm_spec_for(const BoundPlugin& plugin, wasm::VmModulesPtr modules) {
  wasm::VmSpec spec;
  spec.modules = std::move(modules);
  spec.plugin_id = plugin.plugin_id;
  for (const auto& [k, v] : plugin.config.config) spec.config[k] = v;
  spec.allowed_hosts = plugin.config.allowed_hosts;
  spec.allowed_paths = plugin.config.allowed_paths;
  spec.wasi = plugin.config.wasi;
  spec.call_timeout = std::chrono::milliseconds(plugin.config.call_timeout_ms);
  // ---- http-wasm (httpWasm: true, spec §7): WASI forced on and only the http_handler host module, as
  // Otoroshi built these VMs (importDefaultHostFunctions = false). Blocks adding Otoroshi's env functions
  // must skip configs with http_wasm set.
  if (plugin.config.http_wasm) {
    spec.wasi = true;
    spec.import_hooks.push_back(
        wasm::http_wasm_imports_hook(wasm::http_wasm_guest_config(plugin.config.config)));
    spec.created_hooks.push_back(wasm::start_http_wasm_guest);  // `_start` at instantiation
  }
  // ---- OPA (opa: true, spec §6): env.memory sized from memoryPages, opa_abort/opa_println/opa_builtin0..4;
  // Otoroshi's env host functions are added beside them as for any VM.
  if (plugin.config.opa && spec.modules) {
    spec.import_hooks.push_back(
        wasm::opa_imports_hook(*spec.modules, static_cast<std::uint32_t>(plugin.config.memory_pages)));
    spec.created_hooks.push_back(wasm::load_opa_policy);  // a policy that cannot load fails the VM's creation
  }
  return spec;
}

}  // namespace

bool calls_may_block(const model::WasmConfig& config, const engine::ModuleInfo& guest) {
  for (const engine::ImportDesc& import : guest.imports) {
    const std::string_view module = import.module;
    const std::string_view name = import.name;
    const bool extism_http = (module == "extism:host/env" && name == "http_request") ||
                             (module == "env" && name == "extism_http_request");  // pre-1.0 name
    const bool otoroshi_http = (module == "env" || module == "env/Otoroshi") && name == "proxy_http_call";
    if ((extism_http && !config.allowed_hosts.empty()) ||
        (otoroshi_http && config.authorizations.http_access) ||
        (module == "wasi_snapshot_preview1" && name == "poll_oneoff" && config.wasi)) {
      return true;
    }
  }
  return false;
}

PluginRuntime::PluginRuntime(engine::Engine& engine, PluginRuntimeOptions options)
    : engine_(engine), options_(options), impl_(std::make_unique<Impl>(options.blocking_threads)) {
  if (!options_.host_services) options_.host_services = default_host_services();
  wasm::SourceCacheOptions cache_options;
  cache_options.ttl = options_.source_cache_ttl;
  sources_ = std::make_unique<wasm::SourceCache>(cache_options);
  sources_->on_change([this](const std::string& key, const std::string& sha256) {
    spdlog::info("wasm source {} changed (sha256 {}): rebuilding its pools", key, sha256);
    on_source_change(key);
  });
}

PluginRuntime::~PluginRuntime() {
  sources_->shutdown();  // background refetches (and their pool rebuilds) end before the pools go
}

boost::asio::any_io_executor PluginRuntime::blocking_executor() {
  return impl_->blocking.get_executor();
}

void PluginRuntime::clean() {
  pools_.clean(std::chrono::steady_clock::now());
}

void PluginRuntime::set_global_config(const model::GlobalConfig& global) {
  auto wasmo = wasm::wasmo_settings_from_global(global.json);
  if (!wasmo) spdlog::warn("global config: {}", wasmo.error().message);
  std::lock_guard lock(mu_);
  wasmo_ = wasmo ? std::move(*wasmo) : std::nullopt;
}

wasm::SourceFetchContext PluginRuntime::fetch_context() const {
  wasm::SourceFetchContext ctx;
  ctx.http_timeout = options_.source_fetch_timeout;
  std::lock_guard lock(mu_);
  ctx.wasmo = wasmo_;
  return ctx;
}

void PluginRuntime::prefetch(const model::WasmSource& source) {
  if (source.kind == model::WasmSourceKind::Local) return;
  sources_->prefetch(source, fetch_context());
}

void PluginRuntime::refresh_sources() {
  std::vector<model::WasmSource> in_use;
  bool evict = false;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, source] : sources_in_use_) in_use.push_back(source);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_evict_ > 2 * options_.source_cache_ttl) {
      last_evict_ = now;
      evict = true;
    }
  }
  const auto ctx = fetch_context();
  for (const auto& source : in_use) sources_->prefetch(source, ctx);  // nothing when fresh
  if (evict) sources_->evict_unused(2 * options_.source_cache_ttl);
}

boost::json::object PluginRuntime::status(std::string_view plugin_id, const model::WasmSource& source) {
  boost::json::object out;
  out["plugin_id"] = plugin_id;
  if (auto s = sources_->status(model::source_cache_key(source)))
    out["source"] = wasm::source_status_json(*s);
  else
    out["source"] = nullptr;
  boost::json::array pools;
  const std::string prefix =
      std::string(plugin_id) + "|";  // pool keys start with the plugin id (bind_plugin)
  for (const auto& entry : pools_.stats()) {
    if (!entry.key.starts_with(prefix)) continue;
    boost::json::object pool = wasm::pool_stats_json(entry.stats);
    pool["key"] = entry.key;
    pools.push_back(std::move(pool));
  }
  out["pools"] = std::move(pools);
  return out;
}

Result<wasm::SourceEntry> PluginRuntime::source_bytes(const BoundPlugin& plugin) {
  auto entry = sources_->get(plugin.config.source, fetch_context());
  if (!entry) {
    return make_error(entry.error().code,
                      fmt::format("plugin {}: {}", plugin.plugin_id, entry.error().message));
  }
  return entry;
}

Result<std::shared_ptr<wasm::VmPool>> PluginRuntime::build_pool(const BoundPlugin& plugin,
                                                                const wasm::SourceEntry& source,
                                                                bool replace) {
  auto modules =
      wasm::compile_vm_modules(engine_, *source.bytes, static_cast<std::uint32_t>(plugin.config.memory_pages),
                               "plugin " + plugin.plugin_id);
  if (!modules) return modules.take_error();
  wasm::VmSpec vm_spec = vm_spec_for(plugin, *modules);
  add_otoroshi_host_functions(vm_spec, plugin, options_.host_services);  // env.proxy_* (not for http-wasm)
  wasm::VmFactory factory = [this, spec = std::move(vm_spec)]() -> Result<wasm::PooledVmPtr> {
    auto vm = wasm::Vm::create(engine_, spec);
    if (!vm) return vm.take_error();
    return wasm::PooledVmPtr(std::move(*vm));
  };
  auto options = wasm::pool_options_for(plugin.plugin_id, plugin.config);
  options.calls_may_block = calls_may_block(plugin.config, (*modules)->guest->info());
  {
    std::lock_guard lock(mu_);
    const std::string key = model::source_cache_key(plugin.config.source);
    pools_by_source_[key].emplace(plugin.pool_key, plugin);
    sources_in_use_.emplace(key, plugin.config.source);
  }
  if (replace) return pools_.replace(plugin.pool_key, std::move(options), std::move(factory));
  return pools_.get_or_create(plugin.pool_key, options, std::move(factory));
}

Result<std::shared_ptr<wasm::VmPool>> PluginRuntime::pool_for(const BoundPlugin& plugin) {
  if (auto pool = pools_.find(plugin.pool_key)) return pool;
  auto source = source_bytes(plugin);
  if (!source) return source.take_error();
  return build_pool(plugin, *source, /*replace=*/false);
}

void PluginRuntime::retain_pools(const std::set<std::string, std::less<>>& live) {
  std::vector<std::string> dead;
  {
    std::lock_guard lock(mu_);
    for (auto it = pools_by_source_.begin(); it != pools_by_source_.end();) {
      std::erase_if(it->second, [&](const auto& entry) {
        if (live.contains(entry.first)) return false;
        dead.push_back(entry.first);
        return true;
      });
      if (it->second.empty()) {
        sources_in_use_.erase(it->first);
        it = pools_by_source_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& key : dead) pools_.retire(key);
  if (!dead.empty()) spdlog::debug("retired {} wasm pool(s) whose config left the state", dead.size());
}

void PluginRuntime::on_source_change(const std::string& source_key) {
  std::vector<BoundPlugin> affected;
  {
    std::lock_guard lock(mu_);
    const auto it = pools_by_source_.find(source_key);
    if (it == pools_by_source_.end()) return;
    for (const auto& [pool_key, plugin] : it->second) affected.push_back(plugin);
  }
  for (const BoundPlugin& plugin : affected) {
    if (!pools_.find(plugin.pool_key)) continue;  // forgotten by the cleaner: the next call builds it fresh
    auto source = source_bytes(plugin);
    // The new pool is compiled before it replaces the old one: calls never wait for the compile, and a module
    // that no longer loads leaves the old pool serving (its error is logged).
    auto pool = source ? build_pool(plugin, *source, /*replace=*/true)
                       : Result<std::shared_ptr<wasm::VmPool>>(source.error());
    if (!pool)
      spdlog::error("hot reload of plugin {} failed, keeping the old VMs: {}", plugin.plugin_id,
                    pool.error().message);
  }
}

Result<std::string> PluginRuntime::call_on(wasm::VmLease lease, const BoundPlugin& plugin,
                                           std::string_view function, std::string_view input,
                                           boost::json::object* attrs) {
  auto& vm = lease.as<wasm::Vm>();
  auto output = [&] {
    if (attrs == nullptr) return vm.call(function, input);
    RequestAttrs request_attrs(*attrs);  // what env.proxy_*_attr* see during this call
    const abi::otoroshi::AttrsScope scope(vm.host_context(), &request_attrs);
    return vm.call(function, input);
  }();
  if (!output) {
    // Otoroshi recycles a VM after a failed call (spec §8); a faulted VM would be destroyed anyway.
    lease.discard();
    spdlog::debug("plugin {}: {} failed: {}", plugin.plugin_id, function, output.error().message);
  }
  return output;
}

Result<wasm::VmLease> PluginRuntime::lease(const BoundPlugin& plugin) {
  auto pool = pool_for(plugin);
  if (!pool) return pool.take_error();
  return (*pool)->acquire(std::chrono::steady_clock::now() + options_.acquire_wait);
}

std::optional<Result<wasm::VmLease>> PluginRuntime::try_lease(const BoundPlugin& plugin) {
  // No pool yet: building one may download the source and compiles the module, so it is not for an I/O
  // thread.
  auto pool = pools_.find(plugin.pool_key);
  if (!pool || pool->options().calls_may_block) return std::nullopt;
  auto lease = pool->acquire(std::chrono::steady_clock::time_point::min());
  if (!lease && lease.error().code == Errc::PluginTimeout)
    return std::nullopt;  // all VMs busy: wait elsewhere
  return lease;
}

Result<std::string> PluginRuntime::call(const BoundPlugin& plugin, std::string_view function,
                                        std::string_view input, boost::json::object* attrs) {
  auto leased = lease(plugin);
  if (!leased) return leased.take_error();
  return call_on(std::move(*leased), plugin, function, input, attrs);
}

std::optional<Result<std::string>> PluginRuntime::try_call(const BoundPlugin& plugin,
                                                           std::string_view function, std::string_view input,
                                                           boost::json::object* attrs) {
  auto leased = try_lease(plugin);
  if (!leased) return std::nullopt;
  if (!*leased) return Result<std::string>(leased->take_error());
  return call_on(std::move(**leased), plugin, function, input, attrs);
}

Result<void> PluginRuntime::run_held(wasm::VmLease& lease, const BoundPlugin& plugin, const VmTask& task) {
  auto& vm = lease.as<wasm::Vm>();
  Result<void> done = [&] {
    const wasm::Vm::Pin pin(vm);  // the task's memory accesses and calls form one sequence on this thread
    return task(vm);
  }();
  if (!done) {
    lease.discard();  // as call_on: a VM whose work failed is recycled (when its holder releases the lease)
    spdlog::debug("plugin {}: {}", plugin.plugin_id, done.error().message);
  }
  return done;
}

Result<void> PluginRuntime::run(const BoundPlugin& plugin, const VmTask& task) {
  auto leased = lease(plugin);
  if (!leased) return leased.take_error();
  return run_held(*leased, plugin, task);
}

std::optional<Result<void>> PluginRuntime::try_run(const BoundPlugin& plugin, const VmTask& task) {
  auto leased = try_lease(plugin);
  if (!leased) return std::nullopt;
  if (!*leased) return Result<void>(leased->take_error());
  return run_held(**leased, plugin, task);
}

}  // namespace wasmgate::plugins
