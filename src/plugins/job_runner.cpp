#include "plugins/job_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "plugins/plugin_kind.h"
#include "plugins/plugin_runtime.h"

namespace wasmgate::plugins {

namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

constexpr std::string_view kJobIdPrefix = "io.otoroshi.next.plugins.wasm.WasmJob#";
constexpr std::string_view kStartFunction = "job_start";
constexpr std::string_view kStopFunction = "job_stop";
// The scheduler reads the clock at least this often, so a step of the wall clock (NTP) shifts a run by at
// most this much. Schedules are wall-clock (cron), waits are steady.
constexpr std::chrono::seconds kMaxSleep{1};

std::atomic<std::uint64_t> g_snowflakes{0};

// Like the proxy's request snowflakes: milliseconds since the epoch, then a 5-digit process-wide counter.
std::string make_snowflake() {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  return fmt::format("{}{:05}", ms, g_snowflakes.fetch_add(1, std::memory_order_relaxed) % 100000);
}

enum class Action { Start, Run, Stop };

struct Job {
  // What the job does next, once its call in flight (if any) returned.
  enum class Next {
    Start,  // job_start, once the job it replaces (predecessor) is Done
    Run,    // a run at `due`
    Idle,   // no run left; job_stop when unregistered (Autonomous after its run, Every without interval)
    Stop,   // job_stop now
    Done,   // job_stop returned, or the job was unregistered before it started
  };

  Job(std::string unique_id, BoundPlugin bound, core::JobSchedule job_schedule,
      std::string config_fingerprint)
      : plugin(std::move(bound)),
        schedule(std::move(job_schedule)),
        fingerprint(std::move(config_fingerprint)) {
    status.id = JobRunner::job_id(unique_id);
    status.unique_id = std::move(unique_id);
    status.kind = schedule.kind();
    status.plugin_id = plugin.plugin_id;
    status.function = plugin.function;
  }

  const std::string& id() const { return status.id; }

  const BoundPlugin plugin;  // immutable: read by pool threads without the lock
  const core::JobSchedule schedule;
  const std::string fingerprint;  // slot config + resolved plugin: a change restarts the job

  // Guarded by the runner's mutex.
  std::shared_ptr<Job> predecessor;
  Next next = Next::Start;
  bool busy = false;     // a call is in flight
  bool removed = false;  // unregistered: job_stop once started, then Done
  std::optional<TimePoint> due;
  JobStatus status;
};

using JobPtr = std::shared_ptr<Job>;

}  // namespace

struct JobRunner::Impl {
  Impl(PluginRuntime& plugin_runtime, const JobRunnerOptions& options)
      : runtime(plugin_runtime), pool(static_cast<std::size_t>(std::max(1, options.threads))) {
    scheduler = std::thread([this] { schedule_loop(); });
  }

  void schedule_loop();
  void consider(const JobPtr& job, TimePoint now, TimePoint& wake);  // mu held
  void dispatch(const JobPtr& job, Action action, TimePoint now);    // mu held
  void complete(Job& job, Action action, std::string_view function, const Result<std::string>& result);
  static void retire(Job& job);  // mu held
  bool all_retired() const;      // mu held

  PluginRuntime& runtime;
  boost::asio::thread_pool pool;
  mutable std::mutex mu;
  std::condition_variable wake_scheduler;
  std::condition_variable job_done;                 // a job became Done (stop() waits on it)
  std::map<std::string, JobPtr, std::less<>> jobs;  // registered, by unique_id
  std::vector<JobPtr> retiring;                     // unregistered, until Done
  std::string global_config = "{}";                 // plugins.config, serialized
  std::map<std::string, std::string> reported;      // slot path -> config error already logged
  bool stopping = false;                            // stop() began: sync() is a no-op
  bool exiting = false;                             // the scheduler thread ends
  std::thread scheduler;
};

void JobRunner::Impl::schedule_loop() {
  std::unique_lock lock(mu);
  while (!exiting) {
    const TimePoint now = Clock::now();
    TimePoint wake = now + kMaxSleep;
    for (const auto& [unique_id, job] : jobs) consider(job, now, wake);
    for (const auto& job : retiring) consider(job, now, wake);
    std::erase_if(retiring, [](const JobPtr& job) { return job->next == Job::Next::Done && !job->busy; });
    wake_scheduler.wait_for(lock, wake - now);
  }
}

void JobRunner::Impl::consider(const JobPtr& job, TimePoint now, TimePoint& wake) {
  if (job->busy) return;
  switch (job->next) {
    case Job::Next::Start:
      if (job->predecessor && job->predecessor->next != Job::Next::Done) return;
      job->predecessor.reset();
      dispatch(job, Action::Start, now);
      return;
    case Job::Next::Run:
      if (*job->due <= now)
        dispatch(job, Action::Run, now);
      else
        wake = std::min(wake, *job->due);
      return;
    case Job::Next::Stop:
      dispatch(job, Action::Stop, now);
      return;
    case Job::Next::Idle:
    case Job::Next::Done:
      return;
  }
}

void JobRunner::Impl::dispatch(const JobPtr& job, Action action, TimePoint now) {
  job->busy = true;
  std::string_view function = action == Action::Start  ? kStartFunction
                              : action == Action::Stop ? kStopFunction
                                                       : std::string_view(job->plugin.function);
  if (action == Action::Run) {
    job->status.last_run = now;
    job->status.next_run.reset();
  }
  // JobContext.wasmJson (spec §9).
  std::string input =
      fmt::format(R"({{"snowflake":"{}","attrs":{{}},"global_config":{}}})", make_snowflake(), global_config);
  boost::asio::post(pool, [this, job, action, function, input = std::move(input)] {
    auto result = runtime.call(job->plugin, function, input);
    if (!result) spdlog::error("{}: {} failed: {}", job->id(), function, result.error().message);
    std::lock_guard lock(mu);
    complete(*job, action, function, result);
    wake_scheduler.notify_all();
    if (job->next == Job::Next::Done) job_done.notify_all();
  });
}

void JobRunner::Impl::complete(Job& job, Action action, std::string_view function,
                               const Result<std::string>& result) {
  job.busy = false;
  if (!result) job.status.last_error = fmt::format("{}: {}", function, result.error().message);
  if (action == Action::Stop) {
    job.status.stopped = true;
    job.next = Job::Next::Done;
    job.due.reset();
    job.status.next_run.reset();
    spdlog::info("{}: stopped", job.id());
    return;
  }
  const TimePoint now = Clock::now();
  bool stop_now = job.removed;
  if (action == Action::Start) {
    // A failed job_start (often: the module has none) still owes a job_stop and does not cancel the runs,
    // as in Otoroshi.
    job.status.started = true;
    job.due = job.schedule.next_run(now, std::nullopt);
  } else {
    ++job.status.runs;
    if (!result) ++job.status.failures;
    // ScheduledOnce: Otoroshi calls job_stop as soon as the run returned.
    stop_now = stop_now || job.schedule.stops_after_run();
    job.due = job.schedule.next_run(now, job.due);  // job.due: when the run that just ended was due
  }
  if (stop_now) job.due.reset();
  job.next = stop_now ? Job::Next::Stop : job.due ? Job::Next::Run : Job::Next::Idle;
  job.status.next_run = job.due;
}

void JobRunner::Impl::retire(Job& job) {
  job.removed = true;
  if (job.busy || job.next == Job::Next::Done) return;  // complete() sees `removed`
  job.next = job.status.started && !job.status.stopped ? Job::Next::Stop : Job::Next::Done;
  job.status.next_run.reset();
}

bool JobRunner::Impl::all_retired() const {
  return jobs.empty() && std::all_of(retiring.begin(), retiring.end(), [](const JobPtr& job) {
           return job->next == Job::Next::Done && !job->busy;
         });
}

JobRunner::JobRunner(PluginRuntime& runtime, JobRunnerOptions options)
    : impl_(std::make_unique<Impl>(runtime, options)) {}

JobRunner::~JobRunner() {
  stop();
}

std::string JobRunner::job_id(std::string_view unique_id) {
  return fmt::format("{}{}", kJobIdPrefix, unique_id);
}

void JobRunner::sync(const model::GlobalConfig& global, const PluginLookup& lookup) {
  struct Wanted {
    std::string unique_id;
    BoundPlugin plugin;
    core::JobSchedule schedule;
    std::string fingerprint;
  };
  // Parse and bind outside the lock: the scheduler and finishing calls never wait on this part.
  std::vector<Wanted> wanted;
  std::set<std::string, std::less<>> unique_ids;
  std::map<std::string, std::string> errors;  // slot path -> why it does not run
  for (std::size_t i = 0; i < global.ng_plugins.size(); ++i) {
    const model::PluginSlot& slot = global.ng_plugins[i];
    // Otoroshi's launcher reads the slots whatever plugins.enabled says; so do we.
    if (!slot.enabled || wasm_plugin_kind(slot.plugin) != WasmPluginKind::Job) continue;
    const std::string path = fmt::format("plugins.config.ng[{}].config", i);
    auto parsed = parse_wasm_job_config(slot.config, path);
    if (!parsed) {
      errors[path] = parsed.error().message;
      continue;
    }
    if (!unique_ids.insert(parsed->unique_id).second) {
      errors[path] =
          fmt::format("{}.unique_id: '{}' is already the unique_id of an earlier job; this slot is ignored",
                      path, parsed->unique_id);
      continue;
    }
    auto bound = bind_plugin(parsed->config, WasmPluginKind::Job, lookup, job_id(parsed->unique_id));
    if (!bound) {
      errors[path] = fmt::format("{}: {}", path, bound.error().message);
      continue;
    }
    std::string fingerprint =
        fmt::format("{}\n{}\n{}", json::serialize(slot.config), bound->pool_key, bound->function);
    wanted.push_back(Wanted{std::move(parsed->unique_id), std::move(*bound), std::move(parsed->schedule),
                            std::move(fingerprint)});
  }
  std::string global_config = json::serialize(global.plugins_config);

  Impl& impl = *impl_;
  std::lock_guard lock(impl.mu);
  if (impl.stopping) return;
  for (const auto& [path, message] : errors) {
    auto seen = impl.reported.find(path);
    if (seen == impl.reported.end() || seen->second != message)
      spdlog::error("WasmJob not started: {}", message);
  }
  impl.reported = std::move(errors);
  impl.global_config = std::move(global_config);

  auto find_wanted = [&](std::string_view unique_id) -> Wanted* {
    auto it =
        std::find_if(wanted.begin(), wanted.end(), [&](const Wanted& w) { return w.unique_id == unique_id; });
    return it == wanted.end() ? nullptr : &*it;
  };
  for (auto it = impl.jobs.begin(); it != impl.jobs.end();) {
    const Wanted* want = find_wanted(it->first);
    if (want != nullptr && want->fingerprint == it->second->fingerprint) {
      ++it;
      continue;
    }
    spdlog::info("{}: {}, stopping it", it->second->id(),
                 want ? "config changed" : "no longer in the global config (removed, disabled or invalid)");
    Impl::retire(*it->second);
    impl.retiring.push_back(it->second);
    it = impl.jobs.erase(it);
  }
  for (Wanted& want : wanted) {
    if (impl.jobs.contains(want.unique_id)) continue;
    auto job = std::make_shared<Job>(want.unique_id, std::move(want.plugin), std::move(want.schedule),
                                     std::move(want.fingerprint));
    // The job this one replaces (changed config, or removed and re-added) must have stopped before it starts.
    for (const JobPtr& old : impl.retiring) {
      if (old->status.unique_id == want.unique_id && old->next != Job::Next::Done) job->predecessor = old;
    }
    spdlog::info("{}: registered ({}, plugin {}, runs {})", job->id(),
                 core::job_kind_name(job->schedule.kind()), job->plugin.plugin_id, job->plugin.function);
    impl.jobs.emplace(want.unique_id, std::move(job));
  }
  impl.wake_scheduler.notify_all();
}

void JobRunner::stop() {
  Impl& impl = *impl_;
  std::unique_lock lock(impl.mu);
  if (!impl.stopping) {
    impl.stopping = true;
    for (auto& [unique_id, job] : impl.jobs) {
      Impl::retire(*job);
      impl.retiring.push_back(job);
    }
    impl.jobs.clear();
    impl.wake_scheduler.notify_all();
  }
  impl.job_done.wait(lock, [&] { return impl.all_retired(); });
  if (impl.exiting) return;  // another stop() already ended the threads
  impl.exiting = true;
  impl.wake_scheduler.notify_all();
  lock.unlock();
  impl.scheduler.join();
  impl.pool.join();
}

std::vector<std::string> JobRunner::pool_keys() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& [unique_id, job] : impl_->jobs) out.push_back(job->plugin.pool_key);
  return out;
}

std::vector<JobStatus> JobRunner::status() const {
  std::lock_guard lock(impl_->mu);
  std::vector<JobStatus> out;
  out.reserve(impl_->jobs.size());
  for (const auto& [unique_id, job] : impl_->jobs) out.push_back(job->status);
  return out;
}

}  // namespace wasmgate::plugins
