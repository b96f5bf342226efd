// PluginRuntime: how the gateway runs wasm plugins for requests. It loads a bound plugin's bytes, compiles
// them once (the engine shares compiled code by sha256), keeps one VM pool per pool key in a PoolRegistry
// (spec otoroshi-wasm.md §8) and calls exports on leased VMs. A VM whose call failed is recycled (Otoroshi
// does the same), so the next call gets a fresh one.
//
// Threads: every member may be called from any thread. call() blocks (waiting for a VM, running the guest);
// try_call() never waits for a VM nor runs a call that may wait on I/O (calls_may_block), so an I/O thread
// can run a plugin inline when one is free and hand the call to blocking_executor() otherwise (DESIGN §4).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "model/global_config.h"
#include "plugins/plugin_binding.h"
#include "wasm/engine/engine.h"
#include "wasm/source_cache.h"
#include "wasm/abi/otoroshi/host_services.h"
#include "wasm/vm.h"
#include "wasm/vm_pool_registry.h"
#include "wasm/wasmo_settings.h"

namespace wasmgate::plugins {

struct PluginRuntimeOptions {
  // How long a call waits for a busy pool's VM before failing with "all <n> VMs busy".
  std::chrono::milliseconds acquire_wait{5000};
  // Threads for calls that may block (outbound HTTP from the guest) or that found their pool busy.
  int blocking_threads = 4;
  // Timeout of an Http source download when the source's opts.timeout is absent (Otoroshi: 10 s).
  std::chrono::milliseconds source_fetch_timeout{10000};
  // How long fetched bytes are fresh (--wasm-cache-ttl): an older hit is served while one refetch runs, and
  // changed bytes rebuild the plugin's pools (hot reload).
  std::chrono::milliseconds source_cache_ttl{10000};
  // What Otoroshi's host functions (env.proxy_*) reach: state, configs, stores. Null: an empty state, no
  // datastore and default-bounded maps (tests, tools).
  std::shared_ptr<abi::otoroshi::HostServices> host_services;
};

// Whether calls of a plugin with this config and module may wait on I/O, so that they must run on the blocking
// pool and never on an I/O thread (DESIGN §4): the module imports an outbound HTTP function it is allowed to use
// (Extism's http_request with allowedHosts, Otoroshi's proxy_http_call with httpAccess) or WASI's poll_oneoff
// (a sleep). Decided from the imports, not the config alone: a config allowing hosts for a module that never
// calls out keeps its calls inline.
bool calls_may_block(const model::WasmConfig& config, const engine::ModuleInfo& guest);

class PluginRuntime {
 public:
  PluginRuntime(engine::Engine& engine, PluginRuntimeOptions options = {});
  ~PluginRuntime();
  PluginRuntime(const PluginRuntime&) = delete;
  PluginRuntime& operator=(const PluginRuntime&) = delete;

  // Calls `function` of `plugin` with `input`; waits up to acquire_wait for a VM. Errors: the source or load
  // error (PluginLoad, naming the plugin), the pool's "all VMs busy" (PluginTimeout), the call's own (see
  // wasm::Vm::call). `attrs`: the request's attrs, which the guest's env.proxy_*_attr* calls read and change
  // during the call (null outside a request: they see {}); used from the calling thread only.
  Result<std::string> call(const BoundPlugin& plugin, std::string_view function, std::string_view input,
                           boost::json::object* attrs = nullptr);

  // Same, but only if it may run on this (I/O) thread now: nullopt when the pool does not exist yet, when its
  // calls may block (calls_may_block), or when it is at its cap with every VM busy — the caller then runs
  // call() on blocking_executor().
  std::optional<Result<std::string>> try_call(const BoundPlugin& plugin, std::string_view function,
                                              std::string_view input, boost::json::object* attrs = nullptr);

  // Work on one leased VM other than a single Extism export call: a driver of another ABI (OPA's opa_eval,
  // http-wasm's handle_request/handle_response) using Vm::call_raw and the VM's memories. The task runs under
  // a Vm::Pin; a failed task recycles the VM. Waits for a VM as call() does; try_run() as try_call().
  using VmTask = std::function<Result<void>(wasm::Vm& vm)>;
  Result<void> run(const BoundPlugin& plugin, const VmTask& task);
  std::optional<Result<void>> try_run(const BoundPlugin& plugin, const VmTask& task);

  // A VM held across several tasks and an await in between (http-wasm: handle_request, the backend call, then
  // handle_response on the same instance). lease() waits as run() does (for a VM of the plugin's pool, built
  // on first use); try_lease() is nullopt when there is no pool yet, its calls may block, or every VM is busy
  // (the caller goes to the blocking executor). run_held() runs `task` on the held VM under a Pin; a failed
  // task marks the lease discarded, so the VM is recycled when its holder drops the lease. The holder keeps
  // one VM of the pool busy meanwhile.
  Result<wasm::VmLease> lease(const BoundPlugin& plugin);
  std::optional<Result<wasm::VmLease>> try_lease(const BoundPlugin& plugin);
  static Result<void> run_held(wasm::VmLease& lease, const BoundPlugin& plugin, const VmTask& task);

  // Where blocking calls run.
  boost::asio::any_io_executor blocking_executor();

  wasm::PoolRegistry& pools() { return pools_; }
  engine::Engine& engine() { return engine_; }

  // Applies the pools' kill options and forgets drained pools (spec §8 cleaner); called by a timer.
  void clean();

  // Wasmo settings from the global config (wasmoSettings, or the legacy wasmManagerSettings); call on every
  // new global config.
  void set_global_config(const model::GlobalConfig& global);
  // Warms the bytes of `source` in the background (Local sources are skipped: their entity's source is
  // prefetched on its own). Called for every entity and inline slot when the state changes, so a first
  // request does not pay the download.
  void prefetch(const model::WasmSource& source);
  // Keeps every source in use fresh (a stale one is refetched in the background; changed bytes rebuild its
  // pools) and drops entries unused for 2 × TTL. Called about every second.
  void refresh_sources();

  // Retires every pool whose key is not in `live` (its config left the state: a changed entity, a removed
  // route or slot) and forgets the sources no live pool uses, so that hot reloads and config churn do not
  // accumulate VMs, and deleted plugins are no longer refetched. Leases out on a retired pool finish there.
  // Called with the bindings of each new state.
  void retain_pools(const std::set<std::string, std::less<>>& live);

  // What the runtime knows of plugin `plugin_id` whose source is `source`: {"plugin_id", "source": source
  // cache status or null when never fetched, "pools": [{key, stats…}] for every live or draining pool of it}.
  boost::json::object status(std::string_view plugin_id, const model::WasmSource& source);

  // The source cache.
  wasm::SourceCache& sources() { return *sources_; }

 private:
  struct Impl;
  Result<std::shared_ptr<wasm::VmPool>> pool_for(const BoundPlugin& plugin);
  Result<wasm::SourceEntry> source_bytes(const BoundPlugin& plugin);
  Result<std::shared_ptr<wasm::VmPool>> build_pool(const BoundPlugin& plugin, const wasm::SourceEntry& source,
                                                   bool replace);
  // Hot reload: the bytes behind `source_key` changed; every pool built from them is rebuilt from the new
  // bytes (in-flight calls finish on the old VMs).
  void on_source_change(const std::string& source_key);
  wasm::SourceFetchContext fetch_context() const;
  Result<std::string> call_on(wasm::VmLease lease, const BoundPlugin& plugin, std::string_view function,
                              std::string_view input, boost::json::object* attrs);

  engine::Engine& engine_;
  PluginRuntimeOptions options_;
  wasm::PoolRegistry pools_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<wasm::SourceCache> sources_;
  mutable std::mutex mu_;
  std::optional<wasm::WasmoSettings> wasmo_;  // guarded by mu_
  // The plugins behind each live pool, by source cache key (what a source change must rebuild), and the keys
  // of the sources in use. Guarded by mu_.
  std::map<std::string, std::map<std::string, BoundPlugin>, std::less<>> pools_by_source_;
  std::map<std::string, model::WasmSource, std::less<>> sources_in_use_;
  std::chrono::steady_clock::time_point last_evict_{};
};

}  // namespace wasmgate::plugins
