#include "core/cron_expression.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <string>

namespace wasmgate::core {
namespace {

using TimePoint = CronExpression::TimePoint;
using std::chrono::milliseconds;

// Expected instants are built and printed with the C library (timegm / gmtime_r), independently of the
// calendar code under test.
TimePoint at(const char* iso_utc) {
  std::tm tm{};
  const char* rest = strptime(iso_utc, "%Y-%m-%dT%H:%M:%S", &tm);
  EXPECT_NE(rest, nullptr) << iso_utc;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string iso(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::string next(const char* expression, TimePoint from) {
  auto cron = CronExpression::parse(expression);
  if (!cron) return "parse error: " + cron.error().message;
  auto t = cron->next_after(from);
  return t ? iso(*t) : "none";
}

std::string parse_error(const char* expression) {
  auto cron = CronExpression::parse(expression);
  if (cron) return "parsed";
  EXPECT_EQ(cron.error().code, Errc::BadRequest);
  return cron.error().message;
}

// ---- next_after over every field type --------------------------------------------------------------------

struct NextCase {
  const char* expression;
  const char* from;
  const char* expected;  // "none" when there is no future match
};

void PrintTo(const NextCase& c, std::ostream* os) {
  *os << "'" << c.expression << "' after " << c.from;
}

class CronNextAfter : public ::testing::TestWithParam<NextCase> {};

TEST_P(CronNextAfter, ReturnsTheFirstMatchStrictlyAfter) {
  const auto& c = GetParam();
  EXPECT_EQ(next(c.expression, at(c.from)), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Basics, CronNextAfter,
    ::testing::Values(NextCase{"0 0 12 * * ?", "2024-01-01T00:00:00", "2024-01-01T12:00:00"},
                      NextCase{"0 0 12 * * ?", "2024-01-01T12:00:00", "2024-01-02T12:00:00"},
                      NextCase{"* * * * * ?", "2024-01-01T00:00:00", "2024-01-01T00:00:01"},
                      NextCase{"* * * * * ?", "2024-12-31T23:59:59", "2025-01-01T00:00:00"},
                      NextCase{"59 59 23 31 12 ?", "2024-12-31T23:59:58", "2024-12-31T23:59:59"},
                      NextCase{"59 59 23 31 12 ?", "2024-12-31T23:59:59", "2025-12-31T23:59:59"},
                      NextCase{"0 0 0 1 * ?", "2024-12-15T00:00:00", "2025-01-01T00:00:00"},
                      NextCase{"  0  0\t12 * * ?  ", "2024-01-01T00:00:00", "2024-01-01T12:00:00"},
                      NextCase{"0 0 0 1 1 ?", "1960-06-01T00:00:00", "1961-01-01T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(
    ListsRangesSteps, CronNextAfter,
    ::testing::Values(NextCase{"5,10,50 * * * * ?", "2024-01-01T00:00:10", "2024-01-01T00:00:50"},
                      NextCase{"5,10,50 * * * * ?", "2024-01-01T00:00:50", "2024-01-01T00:01:05"},
                      NextCase{"10-12 * * * * ?", "2024-01-01T00:00:12", "2024-01-01T00:01:10"},
                      NextCase{"0/15 * * * * ?", "2024-01-01T00:00:16", "2024-01-01T00:00:30"},
                      NextCase{"5/20 * * * * ?", "2024-01-01T00:00:45", "2024-01-01T00:01:05"},
                      NextCase{"*/20 * * * * ?", "2024-01-01T00:00:41", "2024-01-01T00:01:00"},
                      NextCase{"10-30/10 * * * * ?", "2024-01-01T00:00:31", "2024-01-01T00:01:10"},
                      NextCase{"0 */15 * * * ?", "2024-01-01T10:46:00", "2024-01-01T11:00:00"},
                      NextCase{"30 5 * * * ?", "2024-01-01T10:05:30", "2024-01-01T11:05:30"},
                      NextCase{"0 0 */6 * * ?", "2024-01-01T18:00:00", "2024-01-02T00:00:00"},
                      // a reversed range wraps around the end of the field
                      NextCase{"0 0 22-2 * * ?", "2024-01-01T02:00:00", "2024-01-01T22:00:00"},
                      NextCase{"0 0 22-2 * * ?", "2024-01-01T23:00:00", "2024-01-02T00:00:00"},
                      NextCase{"0 50-10 * * * ?", "2024-01-01T10:10:00", "2024-01-01T10:50:00"},
                      NextCase{"0 0 0 28-2 * ?", "2024-02-03T00:00:00", "2024-02-28T00:00:00"},
                      NextCase{"0 0 0 28-2 * ?", "2024-02-29T00:00:00", "2024-03-01T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(
    MonthsAndNames, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 1 JAN,JUL ?", "2024-02-01T00:00:00", "2024-07-01T00:00:00"},
                      NextCase{"0 0 0 1 NOV-FEB ?", "2024-03-01T00:00:00", "2024-11-01T00:00:00"},
                      NextCase{"0 0 0 1 NOV-FEB ?", "2024-12-01T00:00:00", "2025-01-01T00:00:00"},
                      NextCase{"0 0 0 1 3/4 ?", "2024-03-01T00:00:00", "2024-07-01T00:00:00"},
                      NextCase{"0 0 0 ? jan mon", "2024-02-01T00:00:00", "2025-01-06T00:00:00"},
                      NextCase{"0 0 0 31 * ?", "2024-04-01T00:00:00", "2024-05-31T00:00:00"}));

// Quartz numbers days 1 = SUN … 7 = SAT. 2024-01-01 is a Monday.
INSTANTIATE_TEST_SUITE_P(
    DaysOfWeek, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 ? * 1", "2024-01-01T00:00:00", "2024-01-07T00:00:00"},
                      NextCase{"0 0 0 ? * 7", "2024-01-01T00:00:00", "2024-01-06T00:00:00"},
                      NextCase{"0 0 0 ? * SUN", "2024-01-01T00:00:00", "2024-01-07T00:00:00"},
                      NextCase{"0 0 9-17 ? * MON-FRI", "2024-01-05T17:00:00", "2024-01-08T09:00:00"},
                      NextCase{"0 0 0 ? * FRI-MON", "2024-01-02T00:00:00", "2024-01-05T00:00:00"},
                      NextCase{"0 0 0 ? * FRI-MON", "2024-01-07T00:00:00", "2024-01-08T00:00:00"},
                      NextCase{"0 0 0 ? * FRI-MON", "2024-01-08T00:00:00", "2024-01-12T00:00:00"},
                      NextCase{"0 0 0 ? * */2", "2024-01-01T00:00:00", "2024-01-02T00:00:00"},
                      NextCase{"0 0 0 ? * 2,4", "2024-01-01T00:00:00", "2024-01-03T00:00:00"},  // MON,WED
                      NextCase{"0 0 0 ? * 2,4", "2024-01-03T00:00:00", "2024-01-08T00:00:00"}));

// Leniency: `*` and `?` both leave a day field unrestricted.
INSTANTIATE_TEST_SUITE_P(
    DayRule, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 * * *", "2024-01-01T00:00:00", "2024-01-02T00:00:00"},
                      NextCase{"0 0 0 ? * ?", "2024-01-01T00:00:00", "2024-01-02T00:00:00"},
                      NextCase{"0 0 0 15 * *", "2024-01-01T00:00:00", "2024-01-15T00:00:00"},
                      NextCase{"0 0 0 * * SAT", "2024-01-01T00:00:00", "2024-01-06T00:00:00"},
                      NextCase{"0 0 0 15 * ?", "2024-01-01T00:00:00", "2024-01-15T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(
    LastDayOfMonth, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 L * ?", "2024-02-01T00:00:00", "2024-02-29T00:00:00"},
                      NextCase{"0 0 0 L * ?", "2023-02-01T00:00:00", "2023-02-28T00:00:00"},
                      NextCase{"0 0 0 L * ?", "2024-04-30T00:00:00", "2024-05-31T00:00:00"},
                      NextCase{"0 0 0 L * ?", "2100-02-01T00:00:00", "2100-02-28T00:00:00"},
                      NextCase{"0 0 0 L-3 * ?", "2024-02-01T00:00:00", "2024-02-26T00:00:00"},
                      NextCase{"0 0 0 L-3 * ?", "2024-01-01T00:00:00", "2024-01-28T00:00:00"},
                      NextCase{"0 0 0 l * ?", "2024-06-01T00:00:00", "2024-06-30T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(
    NearestWeekday, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 15W * ?", "2024-06-01T00:00:00", "2024-06-14T00:00:00"},  // 15th: Sat
                      NextCase{"0 0 0 15W * ?", "2024-09-01T00:00:00", "2024-09-16T00:00:00"},  // 15th: Sun
                      NextCase{"0 0 0 15W * ?", "2024-01-01T00:00:00", "2024-01-15T00:00:00"},  // Mon
                      // the 1st on a Saturday moves forward to Monday the 3rd, not back into May
                      NextCase{"0 0 0 1W * ?", "2024-05-02T00:00:00", "2024-06-03T00:00:00"},
                      // the 31st on a Sunday moves back to Friday the 29th; months without a 31st skip
                      NextCase{"0 0 0 31W * ?", "2024-03-01T00:00:00", "2024-03-29T00:00:00"},
                      NextCase{"0 0 0 31W * ?", "2024-04-01T00:00:00", "2024-05-31T00:00:00"},
                      NextCase{"0 0 0 LW * ?", "2024-08-01T00:00:00", "2024-08-30T00:00:00"},  // 31st: Sat
                      NextCase{"0 0 0 LW * ?", "2024-03-01T00:00:00", "2024-03-29T00:00:00"},  // 31st: Sun
                      NextCase{"0 0 0 LW * ?", "2024-05-01T00:00:00", "2024-05-31T00:00:00"},  // Fri
                      NextCase{"0 0 0 L-2W * ?", "2024-09-01T00:00:00", "2024-09-27T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(
    LastAndNthWeekday, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 ? * 6L", "2024-01-01T00:00:00", "2024-01-26T00:00:00"},
                      NextCase{"0 0 0 ? * FRIL", "2024-01-01T00:00:00", "2024-01-26T00:00:00"},
                      NextCase{"0 0 0 ? * 6L", "2024-01-26T00:00:00", "2024-02-23T00:00:00"},
                      NextCase{"0 0 0 ? * L", "2024-01-01T00:00:00", "2024-01-06T00:00:00"},  // L = SAT
                      NextCase{"0 0 0 ? * 6#3", "2024-01-01T00:00:00", "2024-01-19T00:00:00"},
                      NextCase{"0 0 0 ? * FRI#3", "2024-01-19T00:00:00", "2024-02-16T00:00:00"},
                      NextCase{"0 0 0 ? * MON#5", "2024-01-01T00:00:00", "2024-01-29T00:00:00"},
                      // Feb and Mar 2024 have four Mondays
                      NextCase{"0 0 0 ? * MON#5", "2024-01-30T00:00:00", "2024-04-29T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(
    LeapYears, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 29 2 ?", "2024-03-01T00:00:00", "2028-02-29T00:00:00"},
                      NextCase{"0 0 0 29 2 ?", "2024-02-28T00:00:00", "2024-02-29T00:00:00"},
                      NextCase{"0 0 0 29 2 ?", "2000-01-01T00:00:00", "2000-02-29T00:00:00"},
                      // 2100 is not a leap year
                      NextCase{"0 0 0 29 2 ?", "2096-03-01T00:00:00", "2104-02-29T00:00:00"},
                      // a fifth Monday in February: a leap year starting February on a Monday
                      NextCase{"0 0 0 ? 2 2#5", "2016-03-01T00:00:00", "2044-02-29T00:00:00"},
                      NextCase{"0 0 0 ? 2 2#5", "2072-03-01T00:00:00", "2112-02-29T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(
    Years, CronNextAfter,
    ::testing::Values(NextCase{"0 0 0 1 1 ? 2030", "2024-06-01T00:00:00", "2030-01-01T00:00:00"},
                      NextCase{"0 0 0 1 1 ? 2030", "2030-01-01T00:00:00", "none"},
                      NextCase{"0 0 0 1 1 ? 2020,2021", "2024-06-01T00:00:00", "none"},
                      NextCase{"0 0 0 1 1 ? 2025-2035/5", "2025-06-01T00:00:00", "2030-01-01T00:00:00"},
                      NextCase{"0 0 0 1 1 ? *", "2024-06-01T00:00:00", "2025-01-01T00:00:00"},
                      NextCase{"0 0 0 L 2 ? 2099", "2024-06-01T00:00:00", "2099-02-28T00:00:00"},
                      NextCase{"* * * * * ? 2024", "2024-12-31T23:59:59", "none"},
                      NextCase{"0 0 0 1 1 ? 2030", "1960-01-01T00:00:00", "2030-01-01T00:00:00"}));

INSTANTIATE_TEST_SUITE_P(NeverMatches, CronNextAfter,
                         ::testing::Values(NextCase{"0 0 0 30 2 ?", "2024-01-01T00:00:00", "none"},
                                           NextCase{"0 0 0 31 2 ?", "2024-01-01T00:00:00", "none"},
                                           NextCase{"0 0 0 31 4,6,9,11 ?", "2024-01-01T00:00:00", "none"},
                                           NextCase{"0 0 0 30W 2 ?", "2024-01-01T00:00:00", "none"},
                                           NextCase{"0 0 0 30 2 ? 2025-2099", "2024-01-01T00:00:00",
                                                    "none"}));

// UTC only: daylight-saving changes elsewhere neither skip nor repeat a run.
INSTANTIATE_TEST_SUITE_P(
    DaylightSavingIsIrrelevant, CronNextAfter,
    ::testing::Values(NextCase{"0 30 2 * * ?", "2024-03-31T00:00:00", "2024-03-31T02:30:00"},
                      NextCase{"0 30 2 * * ?", "2024-03-10T00:00:00", "2024-03-10T02:30:00"},
                      NextCase{"0 30 1 * * ?", "2024-10-27T01:30:00", "2024-10-28T01:30:00"}));

TEST(CronNextAfterSubSecond, StartsAtTheNextWholeSecond) {
  EXPECT_EQ(next("* * * * * ?", at("2024-01-01T12:00:00") + milliseconds(500)), "2024-01-01T12:00:01");
  EXPECT_EQ(next("0 0 12 * * ?", at("2024-01-01T11:59:59") + milliseconds(999)), "2024-01-01T12:00:00");
  EXPECT_EQ(next("0 0 12 * * ?", at("2024-01-01T12:00:00") + milliseconds(1)), "2024-01-02T12:00:00");
}

TEST(CronNextAfterSubSecond, ResultIsAWholeSecond) {
  auto cron = CronExpression::parse("*/10 * * * * ?");
  ASSERT_TRUE(cron.ok());
  auto t = cron->next_after(at("2024-01-01T00:00:05") + milliseconds(123));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, at("2024-01-01T00:00:10"));
}

TEST(CronNextAfterLimits, ClockExtremesDoNotOverflow) {
  auto cron = CronExpression::parse("0 0 0 1 1 ?");
  ASSERT_TRUE(cron.ok());
  EXPECT_FALSE(cron->next_after(TimePoint::max()).has_value());
  auto first = cron->next_after(TimePoint::min());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(iso(*first), "1678-01-01T00:00:00");
}

TEST(CronNextAfterLimits, ChainedCallsWalkEveryMatch) {
  auto cron = CronExpression::parse("0 0 0 ? * 6#3");
  ASSERT_TRUE(cron.ok());
  TimePoint t = at("2024-01-01T00:00:00");
  std::string seen;
  for (int i = 0; i < 4; ++i) {
    t = cron->next_after(t).value();
    seen += iso(t).substr(0, 10) + " ";
  }
  EXPECT_EQ(seen, "2024-01-19 2024-02-16 2024-03-15 2024-04-19 ");
}

TEST(CronParse, KeepsTheTextAsGiven) {
  auto cron = CronExpression::parse("0 0 12 ? * mon-fri");
  ASSERT_TRUE(cron.ok());
  EXPECT_EQ(cron->text(), "0 0 12 ? * mon-fri");
}

// ---- invalid expressions
// -----------------------------------------------------------------------------------

struct ErrorCase {
  const char* expression;
  const char* message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << "'" << c.expression << "'";
}

class CronParseErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CronParseErrors, NamesTheFieldAndTheReason) {
  EXPECT_EQ(parse_error(GetParam().expression), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    FieldCount, CronParseErrors,
    ::testing::Values(
        ErrorCase{"",
                  "cron expression: expected 6 or 7 fields (second minute hour day-of-month month "
                  "day-of-week [year]), got 0"},
        ErrorCase{"0 0 12 * *",
                  "cron expression: expected 6 or 7 fields (second minute hour day-of-month "
                  "month day-of-week [year]), got 5"},
        ErrorCase{"0 0 12 * * ? 2024 1",
                  "cron expression: expected 6 or 7 fields (second minute hour "
                  "day-of-month month day-of-week [year]), got 8"}));

INSTANTIATE_TEST_SUITE_P(
    OutOfRange, CronParseErrors,
    ::testing::Values(ErrorCase{"60 * * * * ?", "cron field 'second': value 60 out of range 0-59"},
                      ErrorCase{"0 60 * * * ?", "cron field 'minute': value 60 out of range 0-59"},
                      ErrorCase{"0 0 25 * * ?", "cron field 'hour': value 25 out of range 0-23"},
                      ErrorCase{"0 0 0 32 * ?", "cron field 'day-of-month': value 32 out of range 1-31"},
                      ErrorCase{"0 0 0 0 * ?", "cron field 'day-of-month': value 0 out of range 1-31"},
                      ErrorCase{"0 0 0 ? 13 *", "cron field 'month': value 13 out of range 1-12"},
                      ErrorCase{"0 0 0 ? * 8", "cron field 'day-of-week': value 8 out of range 1-7"},
                      ErrorCase{"0 0 0 ? * 0", "cron field 'day-of-week': value 0 out of range 1-7"},
                      ErrorCase{"0 0 0 1 1 ? 1969", "cron field 'year': value 1969 out of range 1970-2099"},
                      ErrorCase{"0 0 0 1 1 ? 2100", "cron field 'year': value 2100 out of range 1970-2099"},
                      ErrorCase{"99999999999 * * * * ?",
                                "cron field 'second': value 99999999999 out of range 0-59"},
                      ErrorCase{"0 0 1-24 * * ?", "cron field 'hour': value 24 out of range 0-23"}));

INSTANTIATE_TEST_SUITE_P(
    Syntax, CronParseErrors,
    ::testing::Values(ErrorCase{"0 0 0 ? FOO *", "cron field 'month': unknown name 'FOO'"},
                      ErrorCase{"0 0 0 ? * MONDAY", "cron field 'day-of-week': unknown name 'MONDAY'"},
                      ErrorCase{"0 0 0 ? * JAN", "cron field 'day-of-week': unknown name 'JAN'"},
                      ErrorCase{"0 0 x * * ?", "cron field 'hour': invalid value 'X'"},
                      ErrorCase{"1,,2 * * * * ?", "cron field 'second': empty item in list '1,,2'"},
                      ErrorCase{"1, * * * * ?", "cron field 'second': empty item in list '1,'"},
                      ErrorCase{"5- * * * * ?", "cron field 'second': missing value"},
                      ErrorCase{"*/0 * * * * ?", "cron field 'second': step 0 out of range 1-60"},
                      ErrorCase{"0 0 */25 * * ?", "cron field 'hour': step 25 out of range 1-24"},
                      ErrorCase{"*/ * * * * ?", "cron field 'second': invalid step ''"},
                      ErrorCase{"*/x * * * * ?", "cron field 'second': invalid step 'X'"},
                      ErrorCase{"0 0 0 ? * 1-3-5", "cron field 'day-of-week': invalid value '3-5'"},
                      ErrorCase{"0 0 0 1 1 ? 2030-2020",
                                "cron field 'year': range '2030-2020' is reversed (start after end)"}));

INSTANTIATE_TEST_SUITE_P(
    QuestionMark, CronParseErrors,
    ::testing::Values(
        ErrorCase{"? * * * * ?", "cron field 'second': '?' is only allowed in day-of-month and day-of-week"},
        ErrorCase{"0 0 0 1 ? *", "cron field 'month': '?' is only allowed in day-of-month and day-of-week"},
        ErrorCase{"0 0 0 1 1 ? ?", "cron field 'year': '?' is only allowed in day-of-month and day-of-week"},
        ErrorCase{"0 0 0 ?,1 * *", "cron field 'day-of-month': '?' must stand alone"},
        ErrorCase{"0 0 0 ?/2 * *", "cron field 'day-of-month': '?' must stand alone"}));

INSTANTIATE_TEST_SUITE_P(
    SpecialDays, CronParseErrors,
    ::testing::Values(ErrorCase{"0 0 0 15 * MON",
                                "cron expression: day-of-month and day-of-week cannot both be "
                                "restricted; set one of them to '?'"},
                      ErrorCase{"0 0 0 L * 6L",
                                "cron expression: day-of-month and day-of-week cannot both be "
                                "restricted; set one of them to '?'"},
                      ErrorCase{"0 0 0 L,5 * ?",
                                "cron field 'day-of-month': 'L' must stand alone, not in a list: 'L,5'"},
                      ErrorCase{"0 0 0 1,15W * ?",
                                "cron field 'day-of-month': 'W' must stand alone, not in a list: '1,15W'"},
                      ErrorCase{"0 0 0 L-31 * ?", "cron field 'day-of-month': offset 31 out of range 0-30"},
                      ErrorCase{"0 0 0 L- * ?", "cron field 'day-of-month': invalid offset ''"},
                      ErrorCase{"0 0 0 LX * ?", "cron field 'day-of-month': invalid value 'LX'"},
                      ErrorCase{"0 0 0 5L * ?", "cron field 'day-of-month': invalid value '5L'"},
                      ErrorCase{"0 0 0 32W * ?", "cron field 'day-of-month': value 32 out of range 1-31"},
                      ErrorCase{"0 0 0 W * ?", "cron field 'day-of-month': missing value"},
                      ErrorCase{"0 0 0 ? * 6#6", "cron field 'day-of-week': occurrence 6 out of range 1-5"},
                      ErrorCase{"0 0 0 ? * 6#0", "cron field 'day-of-week': occurrence 0 out of range 1-5"},
                      ErrorCase{"0 0 0 ? * 6#", "cron field 'day-of-week': invalid occurrence ''"},
                      ErrorCase{"0 0 0 ? * 8#1", "cron field 'day-of-week': value 8 out of range 1-7"},
                      ErrorCase{"0 0 0 ? * MON,6L",
                                "cron field 'day-of-week': 'L' must stand alone, not in a list: 'MON,6L'"},
                      ErrorCase{"0 0 0 ? * 1#1,2#2",
                                "cron field 'day-of-week': '#' must stand alone, not in a list: '1#1,2#2'"},
                      ErrorCase{"0 0 0 ? * L6", "cron field 'day-of-week': invalid value 'L6'"}));

}  // namespace
}  // namespace wasmgate::core
