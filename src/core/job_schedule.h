// When a job runs: the scheduling half of Otoroshi's WasmJob config (spec §9; `WasmJobsConfig` in
// next/plugins/wasm.scala, `RegisteredJobContext.run` in script/job.scala). The other keys of that config
// (`unique_id`, `config`, `instantiation`) say what runs and where; they belong to the jobs layer.
//
//   { "kind": "ScheduledEvery", "initial_delay": 5000, "interval": 20000, "cron_expression": null }
//
// Times are UTC system_clock time points; cron expressions are evaluated in UTC (see cron_expression.h).
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/cron_expression.h"
#include "core/error.h"

namespace wasmgate::core {

// Otoroshi's JobKind.
enum class JobKind {
  ScheduledOnce,   // one run after initial_delay, then job_stop
  ScheduledEvery,  // first run after initial_delay, then one every `interval` after the previous run ends
  Cron,            // at each match of cron_expression
  Autonomous,      // one run after initial_delay that lasts until the job is stopped
};

// "ScheduledOnce", "ScheduledEvery", "Cron", "Autonomous", as Otoroshi writes them.
std::string_view job_kind_name(JobKind kind);
// Case-insensitive; any other name reads as ScheduledEvery, as Otoroshi's JobKind(...) does.
JobKind parse_job_kind(std::string_view name);

class JobSchedule {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Millis = std::chrono::milliseconds;

  // Longest accepted initial_delay / interval: 100 years, far below what time_point arithmetic can hold.
  static constexpr Millis kMaxDelay{3'155'760'000'000};

  // Reads `kind`, `initial_delay`, `interval` and `cron_expression` from a WasmJob config; other keys are
  // ignored. Absent and null read as Otoroshi's defaults: kind ScheduledEvery, no initial delay (0), no
  // interval, no expression. Errc::BadRequest names the key and the reason, e.g. "interval: must be a
  // number of milliseconds or null", "cron_expression: cron field 'hour': value 25 out of range 0-23".
  // Stricter than Otoroshi, which silently drops a value of the wrong type and never runs a Cron job
  // without a valid expression: those are errors here. A cron_expression given for another kind is ignored
  // (kept for to_json), as in Otoroshi.
  static Result<JobSchedule> from_json(const boost::json::object& config);

  // Builders for jobs defined in code.
  static JobSchedule once(std::optional<Millis> initial_delay = std::nullopt);
  static JobSchedule every(Millis interval, std::optional<Millis> initial_delay = std::nullopt);
  static JobSchedule cron(CronExpression expression);
  static JobSchedule autonomous(std::optional<Millis> initial_delay = std::nullopt);

  JobKind kind() const { return kind_; }
  const std::optional<Millis>& initial_delay() const { return initial_delay_; }
  const std::optional<Millis>& interval() const { return interval_; }
  // Set for (and only for) kind Cron.
  const std::optional<CronExpression>& cron_expression() const { return cron_; }

  // When the next run starts, or nullopt when the job has no further run.
  //  `after`:    the moment the scheduler asks: when the job is registered (before its first run), or when
  //              the previous run returned.
  //  `last_run`: the time the previous run was due, nullopt before the first run. Guards against a timer
  //              that fires a little early: no run is ever scheduled at or before it again.
  // Rules, as Otoroshi's job manager:
  //  - first run: after + initial_delay, except Cron, which ignores initial_delay and takes the first
  //    match strictly after `after`;
  //  - ScheduledEvery: then max(after, last_run) + interval (a fixed delay after the previous run ends, so
  //    runs never overlap); without an interval there is no second run;
  //  - Cron: then the first match strictly after max(after, last_run); runs missed while one was running
  //    are skipped, not caught up;
  //  - ScheduledOnce and Autonomous: no second run (see stops_after_run / runs_until_stopped).
  std::optional<TimePoint> next_run(TimePoint after, std::optional<TimePoint> last_run) const;

  // ScheduledOnce: Otoroshi calls job_stop as soon as the single run returns. Every other kind gets
  // job_stop only when the job is unregistered.
  bool stops_after_run() const { return kind_ == JobKind::ScheduledOnce; }
  // Autonomous: the single run is the job's whole life (a loop in the guest, say). A nullopt from next_run
  // means "started, leave it running until unregistered", not "finished".
  bool runs_until_stopped() const { return kind_ == JobKind::Autonomous; }

  // The four keys as Otoroshi writes them (null where unset).
  boost::json::object to_json() const;

 private:
  JobSchedule() = default;

  JobKind kind_ = JobKind::ScheduledEvery;
  std::optional<Millis> initial_delay_;
  std::optional<Millis> interval_;
  std::optional<CronExpression> cron_;
  std::optional<std::string> cron_text_;  // as given, even when the kind does not use it
};

}  // namespace wasmgate::core
