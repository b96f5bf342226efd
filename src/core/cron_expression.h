// Quartz cron expressions, as Otoroshi's Cron jobs use them (cron-utils with the QUARTZ definition):
//
//   second minute hour day-of-month month day-of-week [year]
//
// Fields take `*`, lists `a,b`, ranges `a-b` (wrapping when a > b, e.g. `FRI-MON`, `22-2`), steps `a/s`,
// `a-b/s`, `*/s`; months JAN-DEC, days SUN-SAT with Quartz numbering 1 = SUN … 7 = SAT; year 1970-2099.
// Day-of-month also takes `L` (last day), `L-n` (n days before it), `nW` (weekday nearest the n-th, never
// leaving the month), `LW` and `L-nW`; day-of-week takes `L` (= 7, SAT), `dL` (last d of the month) and
// `d#n` (n-th d of the month, n 1-5). Those special forms stand alone in their field, as in Quartz.
// Names and letters are case-insensitive.
//
// Day rule: strict Quartz wants exactly one of day-of-month / day-of-week to be `?`. We are lenient where it
// costs no ambiguity: `*` and `?` both mean "no restriction", a day matches when the restricted field (if
// any) matches, and any day matches when neither is restricted. Restricting both is still rejected, as in
// Quartz, because Quartz and Vixie cron disagree on what it means (AND vs OR).
//
// Evaluation is in UTC, always: wasmgate does not follow the host's time zone (Otoroshi uses the JVM's
// default zone), so a schedule never shifts or repeats around a daylight-saving change.
#pragma once

#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wasmgate::core {

namespace detail {

// The parsed form of an expression. Bit v of a set stands for value v (years: bit y - kCronMinYear).
struct CronFields {
  enum class DayOfMonthRule {
    Set,             // days_of_month (or no restriction when day_of_month_any)
    Last,            // L, L-n: last day - offset
    NearestWeekday,  // nW: weekday nearest to day `day`
    LastWeekday,     // LW, L-nW: weekday nearest to last day - offset
  };
  enum class DayOfWeekRule {
    Set,          // days_of_week (or no restriction when day_of_week_any)
    LastOfMonth,  // dL: the last `weekday` of the month
    Nth,          // d#n: the `nth` `weekday` of the month
  };

  std::bitset<60> seconds;
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<13> months;  // 1-12

  bool day_of_month_any = true;  // `*` or `?`
  DayOfMonthRule day_of_month_rule = DayOfMonthRule::Set;
  std::bitset<32> days_of_month;  // 1-31
  int day = 0;                    // NearestWeekday: the target day
  int offset = 0;                 // Last / LastWeekday: days before the last day

  bool day_of_week_any = true;  // `*` or `?`
  DayOfWeekRule day_of_week_rule = DayOfWeekRule::Set;
  std::bitset<8> days_of_week;  // 1-7, 1 = Sunday (Quartz)
  int weekday = 0;              // LastOfMonth / Nth, 1-7
  int nth = 0;                  // Nth, 1-5

  bool year_any = true;  // absent or `*`
  std::bitset<130> years;
};

}  // namespace detail

inline constexpr int kCronMinYear = 1970;  // Quartz's year range
inline constexpr int kCronMaxYear = 2099;

class CronExpression {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // Parses a 6- or 7-field Quartz expression. Errc::BadRequest names the field and the reason, e.g.
  // "cron field 'hour': value 25 out of range 0-23".
  static Result<CronExpression> parse(std::string_view text);

  // The first matching second strictly after `t` (UTC), or nullopt when there is none: a year list in the
  // past, a day that never exists (`0 0 0 30 2 ?`), or a match beyond what system_clock can represent.
  // The search is bounded (400 years, one full Gregorian cycle, when the year is free) and skips whole
  // years and months that cannot match, so it ends fast in every case.
  std::optional<TimePoint> next_after(TimePoint t) const;

  // The expression as given.
  const std::string& text() const { return text_; }

 private:
  CronExpression(std::string text, detail::CronFields fields) : text_(std::move(text)), fields_(fields) {}

  bool year_matches(std::int64_t year) const;
  bool day_matches(std::int64_t year, int month, int day) const;
  // The first second of the day at or after `second_of_day` whose hour, minute and second match.
  std::optional<int> first_time_from(int second_of_day) const;

  std::string text_;
  detail::CronFields fields_;
};

}  // namespace wasmgate::core
