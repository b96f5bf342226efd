#include "core/cron_expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

namespace wasmgate::core {

namespace {

using detail::CronFields;
using Values = std::bitset<130>;  // bit v - field.min; 130 = the year range, the widest field

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldInfo {
  std::string_view name;
  int min;
  int max;
  const std::string_view* names;  // names of min..max, or nullptr
  bool takes_question_mark;
  bool ranges_wrap;  // `22-2` means 22..23,0..2; years do not wrap (Quartz rejects a reversed year range)
};

constexpr FieldInfo kSecond{"second", 0, 59, nullptr, false, true};
constexpr FieldInfo kMinute{"minute", 0, 59, nullptr, false, true};
constexpr FieldInfo kHour{"hour", 0, 23, nullptr, false, true};
constexpr FieldInfo kDayOfMonth{"day-of-month", 1, 31, nullptr, true, true};
constexpr FieldInfo kMonth{"month", 1, 12, kMonthNames.data(), false, true};
constexpr FieldInfo kDayOfWeek{"day-of-week", 1, 7, kDayNames.data(), true, true};
constexpr FieldInfo kYear{"year", kCronMinYear, kCronMaxYear, nullptr, false, false};

// Parsing is straight-line code that throws this; parse() turns it into an Error.
struct CronParseError {
  std::string message;
};

[[noreturn]] void fail(const FieldInfo& field, const std::string& reason) {
  throw CronParseError{"cron field '" + std::string(field.name) + "': " + reason};
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

std::string range_text(int min, int max) {
  return std::to_string(min) + "-" + std::to_string(max);
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A decimal number; more than 6 digits is out of every range and would not fit an int.
int parse_digits(std::string_view text, const FieldInfo& field, std::string_view what, int min, int max) {
  if (!all_digits(text)) fail(field, "invalid " + std::string(what) + " " + quoted(text));
  int value = text.size() > 6 ? max + 1 : std::stoi(std::string(text));
  if (value < min || value > max) {
    fail(field, std::string(what) + " " + std::string(text) + " out of range " + range_text(min, max));
  }
  return value;
}

// A number or, in month and day-of-week, a three-letter name.
int parse_value(std::string_view text, const FieldInfo& field) {
  if (text.empty()) fail(field, "missing value");
  if (all_digits(text)) return parse_digits(text, field, "value", field.min, field.max);
  const bool alphabetic = std::all_of(text.begin(), text.end(),
                                      [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  if (field.names != nullptr && alphabetic) {
    for (int v = field.min; v <= field.max; ++v) {
      if (field.names[v - field.min] == text) return v;
    }
    fail(field, "unknown name " + quoted(text));
  }
  fail(field, "invalid value " + quoted(text));
}

// One list item: `*`, `v`, `a-b`, each optionally followed by `/step`.
Values parse_item(std::string_view item, const FieldInfo& field) {
  const int span = field.max - field.min + 1;
  std::string_view base = item;
  int step = 1;
  bool has_step = false;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    step = parse_digits(item.substr(slash + 1), field, "step", 1, span);
    has_step = true;
  }
  if (base == "?") {
    if (!field.takes_question_mark) fail(field, "'?' is only allowed in day-of-month and day-of-week");
    fail(field, "'?' must stand alone");
  }
  int first = field.min;
  int last = field.max;
  if (base != "*") {
    if (auto dash = base.find('-'); dash != std::string_view::npos) {
      first = parse_value(base.substr(0, dash), field);
      last = parse_value(base.substr(dash + 1), field);
      if (first > last && !field.ranges_wrap) {
        fail(field, "range " + quoted(base) + " is reversed (start after end)");
      }
    } else {
      first = parse_value(base, field);
      last = has_step ? field.max : first;  // `a/s` runs from a to the end of the field, as in Quartz
    }
  }
  Values values;
  // A reversed range wraps past the end of the field: FRI-MON is FRI,SAT,SUN,MON.
  const int length = ((last - first) % span + span) % span;
  for (int k = 0; k <= length; k += step)
    values.set(static_cast<std::size_t>((first - field.min + k) % span));
  return values;
}

Values parse_list(std::string_view text, const FieldInfo& field) {
  Values values;
  std::size_t begin = 0;
  while (true) {
    std::size_t comma = text.find(',', begin);
    std::string_view item = text.substr(begin, comma == std::string_view::npos ? comma : comma - begin);
    if (item.empty()) fail(field, "empty item in list " + quoted(text));
    values |= parse_item(item, field);
    if (comma == std::string_view::npos) return values;
    begin = comma + 1;
  }
}

template <std::size_t N>
void copy_values(const Values& values, const FieldInfo& field, std::bitset<N>& out) {
  for (int v = field.min; v <= field.max; ++v) {
    if (values.test(static_cast<std::size_t>(v - field.min))) out.set(static_cast<std::size_t>(v));
  }
}

void require_alone(std::string_view text, const FieldInfo& field, std::string_view special) {
  if (text.find(',') != std::string_view::npos) {
    fail(field, "'" + std::string(special) + "' must stand alone, not in a list: " + quoted(text));
  }
}

void parse_day_of_month(std::string_view text, CronFields& out) {
  const FieldInfo& field = kDayOfMonth;
  if (text == "*" || text == "?") return;
  out.day_of_month_any = false;
  const bool has_l = text.find('L') != std::string_view::npos;
  const bool has_w = text.find('W') != std::string_view::npos;
  if (!has_l && !has_w) {
    copy_values(parse_list(text, field), field, out.days_of_month);
    return;
  }
  require_alone(text, field, has_l ? "L" : "W");
  if (text.front() == 'L') {  // L, L-n, LW, L-nW
    std::string_view rest = text.substr(1);
    const bool weekday = !rest.empty() && rest.back() == 'W';
    if (weekday) rest.remove_suffix(1);
    if (!rest.empty()) {
      if (rest.front() != '-') fail(field, "invalid value " + quoted(text));
      out.offset = parse_digits(rest.substr(1), field, "offset", 0, 30);
    }
    out.day_of_month_rule =
        weekday ? CronFields::DayOfMonthRule::LastWeekday : CronFields::DayOfMonthRule::Last;
    return;
  }
  if (text.back() != 'W' || has_l) fail(field, "invalid value " + quoted(text));
  out.day = parse_value(text.substr(0, text.size() - 1), field);  // nW
  out.day_of_month_rule = CronFields::DayOfMonthRule::NearestWeekday;
}

void parse_day_of_week(std::string_view text, CronFields& out) {
  const FieldInfo& field = kDayOfWeek;
  if (text == "*" || text == "?") return;
  out.day_of_week_any = false;
  if (auto hash = text.find('#'); hash != std::string_view::npos) {  // d#n
    require_alone(text, field, "#");
    out.weekday = parse_value(text.substr(0, hash), field);
    out.nth = parse_digits(text.substr(hash + 1), field, "occurrence", 1, 5);
    out.day_of_week_rule = CronFields::DayOfWeekRule::Nth;
    return;
  }
  if (text.find('L') == std::string_view::npos) {  // no day name contains an L
    copy_values(parse_list(text, field), field, out.days_of_week);
    return;
  }
  require_alone(text, field, "L");
  if (text == "L") {  // Quartz reads a lone L in day-of-week as 7, Saturday
    out.days_of_week.set(7);
    return;
  }
  if (text.back() != 'L') fail(field, "invalid value " + quoted(text));
  out.weekday = parse_value(text.substr(0, text.size() - 1), field);  // dL
  out.day_of_week_rule = CronFields::DayOfWeekRule::LastOfMonth;
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t begin = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > begin) parts.push_back(text.substr(begin, i - begin));
  }
  return parts;
}

// ---- calendar (proleptic Gregorian, UTC)
// --------------------------------------------------------------------

// Days since 1970-01-01 (H. Hinnant's civil-date algorithm).
std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  std::int64_t year;
  int month;
  int day;
};

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t mp = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool is_leap(std::int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int days_in_month(std::int64_t year, int month) {
  static constexpr std::array<int, 13> kDays = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<std::size_t>(month)];
}

// Quartz numbering: 1 = Sunday … 7 = Saturday. 1970-01-01 was a Thursday.
int weekday_of(std::int64_t year, int month, int day) {
  const std::int64_t days = days_from_civil(year, month, day);
  return static_cast<int>(((days % 7) + 7 + 4) % 7) + 1;
}

// Quartz's W: the weekday nearest to `target`, without leaving the month (the 1st on a Saturday moves to
// Monday the 3rd; the last day on a Sunday moves back to Friday). 0 when `target` is not in the month.
int nearest_weekday(std::int64_t year, int month, int target, int last_day) {
  if (target < 1 || target > last_day) return 0;
  switch (weekday_of(year, month, target)) {
    case 7:
      return target == 1 ? 3 : target - 1;
    case 1:
      return target == last_day ? target - 2 : target + 1;
    default:
      return target;
  }
}

constexpr std::int64_t kSecondsPerDay = 86400;
// The calendar repeats every 400 years (146097 days, a whole number of weeks): a free-year expression that
// matches no day in 400 years never matches.
constexpr std::int64_t kSearchYears = 400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

Result<CronExpression> CronExpression::parse(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const std::vector<std::string_view> parts = split_fields(upper);
  if (parts.size() != 6 && parts.size() != 7) {
    return make_error(Errc::BadRequest,
                      "cron expression: expected 6 or 7 fields (second minute hour day-of-month month "
                      "day-of-week [year]), got " +
                          std::to_string(parts.size()));
  }
  CronFields fields;
  try {
    copy_values(parse_list(parts[0], kSecond), kSecond, fields.seconds);
    copy_values(parse_list(parts[1], kMinute), kMinute, fields.minutes);
    copy_values(parse_list(parts[2], kHour), kHour, fields.hours);
    parse_day_of_month(parts[3], fields);
    copy_values(parse_list(parts[4], kMonth), kMonth, fields.months);
    parse_day_of_week(parts[5], fields);
    if (parts.size() == 7 && parts[6] != "*") {
      fields.year_any = false;
      fields.years = parse_list(parts[6], kYear);
    }
  } catch (const CronParseError& e) {
    return make_error(Errc::BadRequest, e.message);
  }
  if (!fields.day_of_month_any && !fields.day_of_week_any) {
    return make_error(Errc::BadRequest,
                      "cron expression: day-of-month and day-of-week cannot both be restricted; set one of "
                      "them to '?'");
  }
  return CronExpression(std::string(text), fields);
}

bool CronExpression::year_matches(std::int64_t year) const {
  if (fields_.year_any) return true;
  return year >= kCronMinYear && year <= kCronMaxYear &&
         fields_.years.test(static_cast<std::size_t>(year - kCronMinYear));
}

bool CronExpression::day_matches(std::int64_t year, int month, int day) const {
  using DomRule = CronFields::DayOfMonthRule;
  using DowRule = CronFields::DayOfWeekRule;
  const int last = days_in_month(year, month);
  if (!fields_.day_of_month_any) {
    switch (fields_.day_of_month_rule) {
      case DomRule::Set:
        if (!fields_.days_of_month.test(static_cast<std::size_t>(day))) return false;
        break;
      case DomRule::Last:
        if (day != last - fields_.offset) return false;
        break;
      case DomRule::NearestWeekday:
        if (day != nearest_weekday(year, month, fields_.day, last)) return false;
        break;
      case DomRule::LastWeekday:
        if (day != nearest_weekday(year, month, last - fields_.offset, last)) return false;
        break;
    }
  }
  if (!fields_.day_of_week_any) {
    const int weekday = weekday_of(year, month, day);
    switch (fields_.day_of_week_rule) {
      case DowRule::Set:
        if (!fields_.days_of_week.test(static_cast<std::size_t>(weekday))) return false;
        break;
      case DowRule::LastOfMonth:
        if (weekday != fields_.weekday || day + 7 <= last) return false;
        break;
      case DowRule::Nth:
        if (weekday != fields_.weekday || (day - 1) / 7 + 1 != fields_.nth) return false;
        break;
    }
  }
  return true;
}

std::optional<int> CronExpression::first_time_from(int second_of_day) const {
  const int h0 = second_of_day / 3600;
  const int m0 = second_of_day / 60 % 60;
  const int s0 = second_of_day % 60;
  for (int h = h0; h < 24; ++h) {
    if (!fields_.hours.test(static_cast<std::size_t>(h))) continue;
    for (int m = (h == h0 ? m0 : 0); m < 60; ++m) {
      if (!fields_.minutes.test(static_cast<std::size_t>(m))) continue;
      for (int s = (h == h0 && m == m0 ? s0 : 0); s < 60; ++s) {
        if (fields_.seconds.test(static_cast<std::size_t>(s))) return h * 3600 + m * 60 + s;
      }
    }
  }
  return std::nullopt;
}

std::optional<CronExpression::TimePoint> CronExpression::next_after(TimePoint t) const {
  using std::chrono::seconds;
  static const std::int64_t kMaxSeconds =
      std::chrono::duration_cast<seconds>(TimePoint::duration::max()).count();

  // Whole seconds, in int64 seconds so that t near time_point::max() cannot overflow.
  const std::int64_t start = std::chrono::floor<seconds>(t.time_since_epoch()).count() + 1;
  const std::int64_t start_day = floor_div(start, kSecondsPerDay);
  int second_of_day = static_cast<int>(start - start_day * kSecondsPerDay);
  const CivilDate start_date = civil_from_days(start_day);
  std::int64_t year = start_date.year;
  int month = start_date.month;
  int day = start_date.day;
  const std::int64_t last_year = fields_.year_any ? year + kSearchYears : kCronMaxYear;

  auto next_month = [&] {
    day = 1;
    second_of_day = 0;
    if (++month > 12) {
      month = 1;
      ++year;
    }
  };
  while (year <= last_year) {
    if (!year_matches(year)) {
      ++year;
      month = 1;
      day = 1;
      second_of_day = 0;
      continue;
    }
    if (!fields_.months.test(static_cast<std::size_t>(month))) {
      next_month();
      continue;
    }
    if (!fields_.day_of_month_any && fields_.day_of_month_rule == CronFields::DayOfMonthRule::Set) {
      // Jump to the next listed day; a month too short for any of them is skipped whole.
      int listed = day;
      while (listed <= 31 && !fields_.days_of_month.test(static_cast<std::size_t>(listed))) ++listed;
      if (listed > days_in_month(year, month)) {
        next_month();
        continue;
      }
      if (listed != day) {
        day = listed;
        second_of_day = 0;
      }
    }
    if (day_matches(year, month, day)) {
      if (auto time = first_time_from(second_of_day)) {
        const std::int64_t total = days_from_civil(year, month, day) * kSecondsPerDay + *time;
        if (total > kMaxSeconds) return std::nullopt;  // every later match is further still
        return TimePoint(std::chrono::duration_cast<TimePoint::duration>(seconds(total)));
      }
    }
    second_of_day = 0;
    if (++day > days_in_month(year, month)) next_month();
  }
  return std::nullopt;
}

}  // namespace wasmgate::core
