#include "core/job_schedule.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>
#include <string>

namespace wasmgate::core {
namespace {

namespace json = boost::json;
using TimePoint = JobSchedule::TimePoint;
using std::chrono::milliseconds;
using std::chrono::seconds;

TimePoint at(const char* iso_utc) {
  std::tm tm{};
  EXPECT_NE(strptime(iso_utc, "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << iso_utc;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

JobSchedule schedule(const char* config) {
  auto parsed = JobSchedule::from_json(json::parse(config).as_object());
  EXPECT_TRUE(parsed.ok()) << config << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? std::move(parsed).value() : JobSchedule::once();
}

std::string error_of(const char* config) {
  auto parsed = JobSchedule::from_json(json::parse(config).as_object());
  if (parsed.ok()) return "parsed";
  EXPECT_EQ(parsed.error().code, Errc::BadRequest);
  return parsed.error().message;
}

const TimePoint kT0 = at("2024-01-01T10:02:30");

// ---- reading Otoroshi's WasmJob config -------------------------------------------------------------------

TEST(JobScheduleJson, AbsentAndNullKeysReadAsOtoroshiDefaults) {
  for (const char* config :
       {"{}", R"({"kind":null,"initial_delay":null,"interval":null,"cron_expression":null})"}) {
    JobSchedule s = schedule(config);
    EXPECT_EQ(s.kind(), JobKind::ScheduledEvery) << config;
    EXPECT_FALSE(s.initial_delay().has_value()) << config;
    EXPECT_FALSE(s.interval().has_value()) << config;
    EXPECT_FALSE(s.cron_expression().has_value()) << config;
  }
}

TEST(JobScheduleJson, ReadsAFullWasmJobConfigAndIgnoresTheOtherKeys) {
  JobSchedule s = schedule(R"({
    "unique_id": "job-1", "config": {"source": {"kind": "base64", "path": "AGFzbQ=="}},
    "kind": "ScheduledEvery", "instantiation": "OneInstancePerOtoroshiCluster",
    "initial_delay": 5000, "interval": 20000, "cron_expression": null })");
  EXPECT_EQ(s.kind(), JobKind::ScheduledEvery);
  EXPECT_EQ(s.initial_delay(), milliseconds(5000));
  EXPECT_EQ(s.interval(), milliseconds(20000));
}

TEST(JobScheduleJson, KindIsCaseInsensitiveAndUnknownReadsAsScheduledEvery) {
  EXPECT_EQ(schedule(R"({"kind":"SCHEDULEDONCE"})").kind(), JobKind::ScheduledOnce);
  EXPECT_EQ(schedule(R"({"kind":"autonomous"})").kind(), JobKind::Autonomous);
  EXPECT_EQ(schedule(R"({"kind":"cron","cron_expression":"0 * * * * ?"})").kind(), JobKind::Cron);
  EXPECT_EQ(schedule(R"({"kind":"scheduledEvery"})").kind(), JobKind::ScheduledEvery);
  EXPECT_EQ(schedule(R"({"kind":"Weekly"})").kind(), JobKind::ScheduledEvery);
  EXPECT_EQ(schedule(R"({"kind":""})").kind(), JobKind::ScheduledEvery);
}

TEST(JobScheduleJson, KindNamesAreOtoroshis) {
  EXPECT_EQ(job_kind_name(JobKind::ScheduledOnce), "ScheduledOnce");
  EXPECT_EQ(job_kind_name(JobKind::ScheduledEvery), "ScheduledEvery");
  EXPECT_EQ(job_kind_name(JobKind::Cron), "Cron");
  EXPECT_EQ(job_kind_name(JobKind::Autonomous), "Autonomous");
}

TEST(JobScheduleJson, DurationsAcceptWholeNumbersWrittenAsDecimals) {
  JobSchedule s = schedule(R"({"initial_delay": 1500.0, "interval": 0})");
  EXPECT_EQ(s.initial_delay(), milliseconds(1500));
  EXPECT_EQ(s.interval(), milliseconds(0));
}

TEST(JobScheduleJson, CronExpressionOfAnotherKindIsIgnoredButKept) {
  JobSchedule s = schedule(R"({"kind":"ScheduledOnce","cron_expression":"not a cron"})");
  EXPECT_FALSE(s.cron_expression().has_value());
  EXPECT_EQ(s.to_json().at("cron_expression"), "not a cron");
}

TEST(JobScheduleJson, WritesTheFourKeysWithNullsWhereUnset) {
  EXPECT_EQ(json::serialize(schedule(R"({"kind":"cron","cron_expression":"0 0 12 ? * MON"})").to_json()),
            R"({"kind":"Cron","initial_delay":null,"interval":null,"cron_expression":"0 0 12 ? * MON"})");
  EXPECT_EQ(json::serialize(JobSchedule::every(seconds(20), seconds(5)).to_json()),
            R"({"kind":"ScheduledEvery","initial_delay":5000,"interval":20000,"cron_expression":null})");
}

struct JsonErrorCase {
  const char* config;
  const char* message;
};

void PrintTo(const JsonErrorCase& c, std::ostream* os) {
  *os << c.config;
}

class JobScheduleJsonErrors : public ::testing::TestWithParam<JsonErrorCase> {};

TEST_P(JobScheduleJsonErrors, NameTheKeyAndTheReason) {
  EXPECT_EQ(error_of(GetParam().config), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, JobScheduleJsonErrors,
    ::testing::Values(
        JsonErrorCase{R"({"kind":42})",
                      "kind: must be a string (ScheduledOnce, ScheduledEvery, Cron or Autonomous)"},
        JsonErrorCase{R"({"initial_delay":"1000"})",
                      "initial_delay: must be a number of milliseconds or null"},
        JsonErrorCase{R"({"initial_delay":true})", "initial_delay: must be a number of milliseconds or null"},
        JsonErrorCase{
            R"({"interval":-1})",
            "interval: -1 out of range, expected a whole number of milliseconds in 0-3155760000000"},
        JsonErrorCase{
            R"({"interval":1.5})",
            "interval: 1.5 out of range, expected a whole number of milliseconds in 0-3155760000000"},
        JsonErrorCase{R"({"interval":18446744073709551615})",
                      "interval: 18446744073709551615 out of range, expected a whole number of milliseconds "
                      "in 0-3155760000000"},
        JsonErrorCase{R"({"kind":"Cron"})", "cron_expression: required when kind is Cron"},
        JsonErrorCase{R"({"kind":"Cron","cron_expression":null})",
                      "cron_expression: required when kind is Cron"},
        JsonErrorCase{R"({"kind":"Cron","cron_expression":5})",
                      "cron_expression: must be a string (a Quartz cron expression) or null"},
        JsonErrorCase{R"({"kind":"Cron","cron_expression":"0 0 25 * * ?"})",
                      "cron_expression: cron field 'hour': value 25 out of range 0-23"},
        JsonErrorCase{R"({"kind":"Cron","cron_expression":"0 0 12 * *"})",
                      "cron_expression: cron expression: expected 6 or 7 fields (second minute hour "
                      "day-of-month month day-of-week [year]), got 5"}));

// ---- next_run
// ----------------------------------------------------------------------------------------------

TEST(JobScheduleNextRun, ScheduledEveryRunsAfterTheDelayThenAFixedDelayAfterEachRunEnds) {
  JobSchedule s = schedule(R"({"kind":"ScheduledEvery","initial_delay":5000,"interval":20000})");
  const TimePoint first = kT0 + seconds(5);
  EXPECT_EQ(s.next_run(kT0, std::nullopt), first);
  // the run took 300 ms: the interval counts from its end
  EXPECT_EQ(s.next_run(first + milliseconds(300), first), first + milliseconds(20300));
  EXPECT_FALSE(s.stops_after_run());
  EXPECT_FALSE(s.runs_until_stopped());
}

TEST(JobScheduleNextRun, ScheduledEveryNeverSchedulesBeforeTheLastDueTime) {
  JobSchedule s = JobSchedule::every(seconds(20));
  // the timer fired 100 ms early and the run returned at once
  const TimePoint due = kT0 + seconds(5);
  EXPECT_EQ(s.next_run(due - milliseconds(100), due), due + seconds(20));
}

TEST(JobScheduleNextRun, NoInitialDelayMeansRightAway) {
  EXPECT_EQ(schedule(R"({"kind":"ScheduledEvery","interval":1000})").next_run(kT0, std::nullopt), kT0);
  EXPECT_EQ(schedule(R"({"kind":"ScheduledOnce"})").next_run(kT0, std::nullopt), kT0);
}

TEST(JobScheduleNextRun, ScheduledEveryWithoutIntervalRunsOnce) {
  JobSchedule s = schedule(R"({"kind":"ScheduledEvery","initial_delay":1000})");
  EXPECT_EQ(s.next_run(kT0, std::nullopt), kT0 + seconds(1));
  EXPECT_EQ(s.next_run(kT0 + seconds(2), kT0 + seconds(1)), std::nullopt);
}

TEST(JobScheduleNextRun, ZeroIntervalRunsAgainAsSoonAsTheRunEnds) {
  JobSchedule s = schedule(R"({"kind":"ScheduledEvery","interval":0})");
  EXPECT_EQ(s.next_run(kT0 + seconds(3), kT0), kT0 + seconds(3));
}

TEST(JobScheduleNextRun, ScheduledOnceRunsOnceThenStops) {
  JobSchedule s = schedule(R"({"kind":"ScheduledOnce","initial_delay":2000,"interval":1000})");
  EXPECT_EQ(s.next_run(kT0, std::nullopt), kT0 + seconds(2));
  EXPECT_EQ(s.next_run(kT0 + seconds(3), kT0 + seconds(2)), std::nullopt);
  EXPECT_TRUE(s.stops_after_run());
  EXPECT_FALSE(s.runs_until_stopped());
}

TEST(JobScheduleNextRun, AutonomousStartsOnceAndRunsUntilStopped) {
  JobSchedule s = schedule(R"({"kind":"Autonomous","initial_delay":500})");
  EXPECT_EQ(s.next_run(kT0, std::nullopt), kT0 + milliseconds(500));
  EXPECT_EQ(s.next_run(kT0 + seconds(1), kT0 + milliseconds(500)), std::nullopt);
  EXPECT_TRUE(s.runs_until_stopped());
  EXPECT_FALSE(s.stops_after_run());
}

TEST(JobScheduleNextRun, CronIgnoresInitialDelayAndFollowsTheExpression) {
  JobSchedule s = schedule(R"({"kind":"Cron","cron_expression":"0 */5 * * * ?","initial_delay":600000})");
  ASSERT_TRUE(s.cron_expression().has_value());
  EXPECT_EQ(s.next_run(kT0, std::nullopt), at("2024-01-01T10:05:00"));
  EXPECT_EQ(s.next_run(at("2024-01-01T10:05:00") + milliseconds(400), at("2024-01-01T10:05:00")),
            at("2024-01-01T10:10:00"));
}

TEST(JobScheduleNextRun, CronDoesNotRunTwiceWhenTheTimerFiresEarly) {
  JobSchedule s = schedule(R"({"kind":"Cron","cron_expression":"0 */5 * * * ?"})");
  const TimePoint due = at("2024-01-01T10:05:00");
  EXPECT_EQ(s.next_run(due - milliseconds(1), due), at("2024-01-01T10:10:00"));
}

TEST(JobScheduleNextRun, CronSkipsMatchesMissedDuringALongRun) {
  JobSchedule s = schedule(R"({"kind":"Cron","cron_expression":"0 */5 * * * ?"})");
  EXPECT_EQ(s.next_run(at("2024-01-01T10:17:00"), at("2024-01-01T10:05:00")), at("2024-01-01T10:20:00"));
}

TEST(JobScheduleNextRun, CronWithAPastYearHasNoRun) {
  JobSchedule s = schedule(R"({"kind":"Cron","cron_expression":"0 0 0 1 1 ? 2020"})");
  EXPECT_EQ(s.next_run(kT0, std::nullopt), std::nullopt);
}

TEST(JobScheduleNextRun, BuildersMatchTheirJsonForms) {
  const auto cron = CronExpression::parse("0 0 0 L * ?");
  ASSERT_TRUE(cron.ok());
  EXPECT_EQ(JobSchedule::cron(cron.value()).next_run(kT0, std::nullopt), at("2024-01-31T00:00:00"));
  EXPECT_EQ(JobSchedule::once(seconds(1)).next_run(kT0, std::nullopt), kT0 + seconds(1));
  EXPECT_TRUE(JobSchedule::autonomous().runs_until_stopped());
  EXPECT_EQ(JobSchedule::every(seconds(20), seconds(5)).next_run(kT0, std::nullopt), kT0 + seconds(5));
}

}  // namespace
}  // namespace wasmgate::core
