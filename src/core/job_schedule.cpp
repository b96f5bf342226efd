#include "core/job_schedule.h"

#include <algorithm>
#include <boost/json/value.hpp>
#include <cctype>
#include <cmath>
#include <sstream>
#include <utility>

namespace wasmgate::core {

namespace {

namespace json = boost::json;
using Millis = JobSchedule::Millis;

Error key_error(std::string_view key, const std::string& reason) {
  return make_error(Errc::BadRequest, std::string(key) + ": " + reason);
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The member, or nullptr when absent or null (Play's asOpt reads both as None).
const json::value* find_set(const json::object& config, std::string_view key) {
  auto it = config.find(key);
  return it == config.end() || it->value().is_null() ? nullptr : &it->value();
}

// 1.5 rather than Boost's 1.5E0.
std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  std::ostringstream out;
  out << v.get_double();
  return out.str();
}

// A duration in milliseconds: any JSON number with a whole value in [0, kMaxDelay] (5000.0 reads as 5000).
Result<std::optional<Millis>> read_millis(const json::object& config, std::string_view key) {
  const json::value* v = find_set(config, key);
  if (v == nullptr) return std::optional<Millis>();
  if (!v->is_number()) return key_error(key, "must be a number of milliseconds or null");
  const long double max = static_cast<long double>(JobSchedule::kMaxDelay.count());
  long double ms = 0;
  if (v->is_int64()) ms = static_cast<long double>(v->get_int64());
  if (v->is_uint64()) ms = static_cast<long double>(v->get_uint64());
  if (v->is_double()) ms = static_cast<long double>(v->get_double());
  if (!std::isfinite(ms) || std::floor(ms) != ms || ms < 0 || ms > max) {
    return key_error(key, number_text(*v) + " out of range, expected a whole number of milliseconds in 0-" +
                              std::to_string(JobSchedule::kMaxDelay.count()));
  }
  return std::optional<Millis>(Millis(static_cast<std::int64_t>(ms)));
}

Result<std::optional<std::string>> read_string(const json::object& config, std::string_view key,
                                               const char* expectation) {
  const json::value* v = find_set(config, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return key_error(key, expectation);
  return std::optional<std::string>(std::string(v->get_string()));
}

}  // namespace

std::string_view job_kind_name(JobKind kind) {
  switch (kind) {
    case JobKind::ScheduledOnce:
      return "ScheduledOnce";
    case JobKind::ScheduledEvery:
      return "ScheduledEvery";
    case JobKind::Cron:
      return "Cron";
    case JobKind::Autonomous:
      return "Autonomous";
  }
  return "ScheduledEvery";
}

JobKind parse_job_kind(std::string_view name) {
  for (JobKind kind : {JobKind::ScheduledOnce, JobKind::Cron, JobKind::Autonomous}) {
    if (equals_ignore_case(name, job_kind_name(kind))) return kind;
  }
  return JobKind::ScheduledEvery;
}

Result<JobSchedule> JobSchedule::from_json(const json::object& config) {
  JobSchedule schedule;
  auto kind =
      read_string(config, "kind", "must be a string (ScheduledOnce, ScheduledEvery, Cron or Autonomous)");
  if (!kind) return kind.take_error();
  if (*kind) schedule.kind_ = parse_job_kind(**kind);

  auto initial_delay = read_millis(config, "initial_delay");
  if (!initial_delay) return initial_delay.take_error();
  schedule.initial_delay_ = *initial_delay;

  auto interval = read_millis(config, "interval");
  if (!interval) return interval.take_error();
  schedule.interval_ = *interval;

  auto cron_text =
      read_string(config, "cron_expression", "must be a string (a Quartz cron expression) or null");
  if (!cron_text) return cron_text.take_error();
  schedule.cron_text_ = *cron_text;

  if (schedule.kind_ == JobKind::Cron) {
    if (!schedule.cron_text_) return key_error("cron_expression", "required when kind is Cron");
    auto cron = CronExpression::parse(*schedule.cron_text_);
    if (!cron) return key_error("cron_expression", cron.error().message);
    schedule.cron_ = std::move(cron).value();
  }
  return schedule;
}

JobSchedule JobSchedule::once(std::optional<Millis> initial_delay) {
  JobSchedule schedule;
  schedule.kind_ = JobKind::ScheduledOnce;
  schedule.initial_delay_ = initial_delay;
  return schedule;
}

JobSchedule JobSchedule::every(Millis interval, std::optional<Millis> initial_delay) {
  JobSchedule schedule;
  schedule.kind_ = JobKind::ScheduledEvery;
  schedule.interval_ = interval;
  schedule.initial_delay_ = initial_delay;
  return schedule;
}

JobSchedule JobSchedule::cron(CronExpression expression) {
  JobSchedule schedule;
  schedule.kind_ = JobKind::Cron;
  schedule.cron_text_ = expression.text();
  schedule.cron_ = std::move(expression);
  return schedule;
}

JobSchedule JobSchedule::autonomous(std::optional<Millis> initial_delay) {
  JobSchedule schedule;
  schedule.kind_ = JobKind::Autonomous;
  schedule.initial_delay_ = initial_delay;
  return schedule;
}

std::optional<JobSchedule::TimePoint> JobSchedule::next_run(TimePoint after,
                                                            std::optional<TimePoint> last_run) const {
  if (!last_run) {
    if (kind_ == JobKind::Cron) return cron_->next_after(after);
    return after + initial_delay_.value_or(Millis(0));
  }
  const TimePoint from = std::max(after, *last_run);
  switch (kind_) {
    case JobKind::ScheduledEvery:
      if (!interval_) return std::nullopt;  // Otoroshi: no interval, no second run
      return from + *interval_;
    case JobKind::Cron:
      return cron_->next_after(from);
    case JobKind::ScheduledOnce:
    case JobKind::Autonomous:
      return std::nullopt;
  }
  return std::nullopt;
}

json::object JobSchedule::to_json() const {
  auto millis = [](const std::optional<Millis>& v) {
    return v ? json::value(v->count()) : json::value(nullptr);
  };
  json::object out;
  out["kind"] = job_kind_name(kind_);
  out["initial_delay"] = millis(initial_delay_);
  out["interval"] = millis(interval_);
  out["cron_expression"] = cron_text_ ? json::value(*cron_text_) : json::value(nullptr);
  return out;
}

}  // namespace wasmgate::core
