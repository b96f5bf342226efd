// JobRunner: runs Otoroshi's WasmJob plugins (spec otoroshi-wasm.md §9), the global slots of
// plugins.config.ng whose plugin is cp:otoroshi.next.plugins.WasmJob:
//
//   { "unique_id": "1", "config": {...WasmConfig...}, "kind": "ScheduledEvery" | "ScheduledOnce" | "Cron" |
//     "Autonomous", "instantiation": "...", "initial_delay": ms, "interval": ms, "cron_expression": "..." }
//
// Each job gets `job_start` once when registered, then its schedule's runs (the slot's or entity's
// functionName, else `job_run`), then `job_stop` when unregistered (ScheduledOnce: right after its run).
// Every call's input is {"snowflake", "attrs": {}, "global_config": <plugins.config>}; outputs are ignored,
// errors logged under the job id `io.otoroshi.next.plugins.wasm.WasmJob#<unique_id>` (a missing job_start or
// job_stop export is such an error, nothing more).
//
// Unlike Otoroshi [quirk fixed], a changed config of a registered unique_id is picked up: the old job is
// stopped (job_stop) and the new one started once that stop returned. "Changed" covers the slot config and,
// for Local sources, the referenced entity's config.
//
// Threads: one scheduler thread decides what runs when; calls run on the runner's own small pool, apart from
// the request path's blocking pool, so a slow or stuck job never delays a request. A job makes one call at a
// time (start, runs and stop never overlap), so a ScheduledEvery job waits `interval` after a run ends.
// Every public member may be called from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/job_schedule.h"
#include "model/global_config.h"
#include "model/wasm_config.h"
#include "plugins/plugin_binding.h"

namespace wasmgate::plugins {

class PluginRuntime;

// One WasmJob slot's config, read.
struct WasmJobConfig {
  std::string unique_id;
  model::WasmConfig config;  // `config`, Otoroshi's WasmConfig() when absent
  core::JobSchedule schedule;
  // Which nodes run the job in an Otoroshi cluster. wasmgate is one node: every value runs here. Kept as
  // given.
  std::string instantiation;
};

// Reads a WasmJob slot config. Errc::BadRequest names the key under `path`, e.g.
// "plugins.config.ng[0].config.unique_id: required non-empty string" or
// "plugins.config.ng[1].config.cron_expression: cron field 'hour': value 25 out of range 0-23".
// Stricter than Otoroshi (which reads a bad WasmConfig as the default and a bad schedule as none): a job
// that cannot run as written is not started.
Result<WasmJobConfig> parse_wasm_job_config(const boost::json::object& config, std::string_view path);

// What a job did so far, for the admin API and metrics.
struct JobStatus {
  using TimePoint = std::chrono::system_clock::time_point;
  std::string id;  // io.otoroshi.next.plugins.wasm.WasmJob#<unique_id>
  std::string unique_id;
  core::JobKind kind = core::JobKind::ScheduledEvery;
  std::string plugin_id;              // the bound plugin (the entity id for Local sources)
  std::string function;               // the export each run calls
  bool started = false;               // job_start was called
  bool stopped = false;               // job_stop was called (ScheduledOnce after its run)
  std::uint64_t runs = 0;             // runs that returned, failed ones included
  std::uint64_t failures = 0;         // runs that failed
  std::optional<TimePoint> last_run;  // when the last run began
  std::optional<TimePoint> next_run;  // when the next run is due; none while one runs or when no run is left
  std::string last_error;             // the last failed call (start, run or stop), "" when none failed
};

struct JobRunnerOptions {
  // Threads for job calls. Jobs that run at the same time beyond this wait for a thread.
  int threads = 2;
};

class JobRunner {
 public:
  // `runtime` must outlive the runner.
  explicit JobRunner(PluginRuntime& runtime, JobRunnerOptions options = {});
  // stop().
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Makes the running jobs those of `global`: enabled WasmJob slots of ng_plugins, Local sources resolved
  // with `lookup` (only during the call). New unique_ids are started, removed or disabled ones stopped,
  // changed ones restarted; an unchanged job keeps its schedule. A slot whose config does not parse or bind
  // is logged (once per distinct error) and not run; a duplicate unique_id is logged and ignored. Also
  // updates the global_config that later calls receive. Cheap (no guest call happens here); a no-op after
  // stop().
  void sync(const model::GlobalConfig& global, const PluginLookup& lookup);

  // Stops every job (job_stop for each started one, after its call in flight returns) and the threads.
  // Blocks until done: at most about the longest call deadline. Idempotent.
  void stop();

  // The registered jobs, by unique_id.
  std::vector<JobStatus> status() const;
  // The pool keys of the registered jobs (what PluginRuntime::retain_pools must keep).
  std::vector<std::string> pool_keys() const;

  // "io.otoroshi.next.plugins.wasm.WasmJob#<unique_id>", as Otoroshi names the job.
  static std::string job_id(std::string_view unique_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasmgate::plugins
