// Time built-ins: time.now_ns, time.parse_rfc3339_ns, time.parse_duration_ns, time.date, time.clock,
// time.weekday, time.add_date. Times are int64 nanoseconds since the Unix epoch, as in OPA. Time zones: a
// [ns, tz] operand accepts "UTC" or "" only (no tz database is linked); another zone is an error, so the
// expression is undefined rather than silently wrong.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <string>

#include "wasm/abi/opa/detail/builtin_args.h"

namespace wasmgate::abi::opa::detail {
namespace {

namespace json = boost::json;
using namespace std::chrono;

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSecond;

// The ns operand of time.date/clock/weekday: a number, or [ns, "UTC"|""].
Result<std::int64_t> time_operand(Args args, std::string_view builtin) {
  if (args[0].is_array()) {
    const auto& pair = args[0].get_array();
    if (pair.size() != 2 || !pair[1].is_string()) {
      return builtin_error(builtin, "operand 1 must be a number or [ns, timezone]");
    }
    const std::string_view zone = pair[1].get_string();
    if (!zone.empty() && zone != "UTC") {
      return builtin_error(builtin, fmt::format("time zone {} is not supported (only UTC)", zone));
    }
    const json::value ns = pair[0];
    return int_arg(std::span(&ns, 1), 0, builtin);
  }
  return int_arg(args, 0, builtin);
}

// Floor division, so times before 1970 fall on the right day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

year_month_day civil(std::int64_t ns) {
  return year_month_day(sys_days(days(floor_div(ns, kNsPerDay))));
}

Result<json::value> now_ns(Args, const BuiltinContext& context) {
  return json::value(context.now_ns);
}

Result<json::value> time_date(Args args, const BuiltinContext&) {
  auto ns = time_operand(args, "time.date");
  if (!ns) return ns.take_error();
  const auto ymd = civil(*ns);
  return json::value(json::array{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                 static_cast<unsigned>(ymd.day())});
}

Result<json::value> time_clock(Args args, const BuiltinContext&) {
  auto ns = time_operand(args, "time.clock");
  if (!ns) return ns.take_error();
  const std::int64_t seconds = floor_div(*ns, kNsPerSecond) - floor_div(*ns, kNsPerDay) * 86'400;
  return json::value(json::array{seconds / 3600, seconds / 60 % 60, seconds % 60});
}

Result<json::value> time_weekday(Args args, const BuiltinContext&) {
  auto ns = time_operand(args, "time.weekday");
  if (!ns) return ns.take_error();
  static constexpr std::string_view kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
  return json::value(kNames[std::chrono::weekday(sys_days(days(floor_div(*ns, kNsPerDay)))).c_encoding()]);
}

// Go's AddDate: the date is normalized (October 31 + 1 month = December 1); the clock is kept.
Result<json::value> add_date(Args args, const BuiltinContext&) {
  auto ns = int_arg(args, 0, "time.add_date");
  if (!ns) return ns.take_error();
  auto years = int_arg(args, 1, "time.add_date");
  if (!years) return years.take_error();
  auto months = int_arg(args, 2, "time.add_date");
  if (!months) return months.take_error();
  auto add_days = int_arg(args, 3, "time.add_date");
  if (!add_days) return add_days.take_error();
  if (std::abs(*years) > 10'000 || std::abs(*months) > 120'000 || std::abs(*add_days) > 3'650'000) {
    return builtin_error("time.add_date", "result is out of range");
  }
  const auto ymd = civil(*ns);
  const std::int64_t time_of_day = *ns - floor_div(*ns, kNsPerDay) * kNsPerDay;
  std::int64_t month0 = static_cast<unsigned>(ymd.month()) - 1 + *months;
  std::int64_t year = static_cast<int>(ymd.year()) + *years + floor_div(month0, 12);
  month0 -= floor_div(month0, 12) * 12;
  const sys_days first{year_month_day(std::chrono::year(static_cast<int>(year)),
                                      std::chrono::month(static_cast<unsigned>(month0 + 1)),
                                      std::chrono::day(1))};
  const std::int64_t day_number =
      (first + days(static_cast<unsigned>(ymd.day()) - 1 + *add_days)).time_since_epoch().count();
  const double result = static_cast<double>(day_number) * kNsPerDay + static_cast<double>(time_of_day);
  if (std::abs(result) >= 9.2e18) return builtin_error("time.add_date", "result is out of range");
  return json::value(day_number * kNsPerDay + time_of_day);
}

// Parses exactly `width` digits at text[pos].
bool digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// RFC 3339: 2006-01-02T15:04:05[.999999999](Z|±07:00).
Result<json::value> parse_rfc3339_ns(Args args, const BuiltinContext&) {
  constexpr std::string_view name = "time.parse_rfc3339_ns";
  auto text = string_arg(args, 0, name);
  if (!text) return text.take_error();
  const std::string_view t = *text;
  const auto invalid = builtin_error(name, fmt::format("cannot parse \"{}\" as RFC 3339", t));
  int y, mo, d, h, mi, s;
  if (!digits(t, 0, 4, y) || t.size() < 19 || t[4] != '-' || !digits(t, 5, 2, mo) || t[7] != '-' ||
      !digits(t, 8, 2, d) || (t[10] != 'T' && t[10] != 't') || !digits(t, 11, 2, h) || t[13] != ':' ||
      !digits(t, 14, 2, mi) || t[16] != ':' || !digits(t, 17, 2, s)) {
    return invalid;
  }
  std::size_t pos = 19;
  std::int64_t fraction_ns = 0;
  if (pos < t.size() && t[pos] == '.') {
    std::int64_t scale = 100'000'000;
    std::size_t count = 0;
    for (++pos; pos < t.size() && t[pos] >= '0' && t[pos] <= '9'; ++pos, ++count) {
      fraction_ns += (t[pos] - '0') * scale;
      scale /= 10;
    }
    if (count == 0) return invalid;
  }
  int offset_seconds = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int oh, om;
    if (!digits(t, pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
        !digits(t, pos + 4, 2, om) || oh > 23 || om > 59) {
      return invalid;
    }
    offset_seconds = (oh * 3600 + om * 60) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return invalid;
  }
  const year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                           std::chrono::day(static_cast<unsigned>(d))};
  if (pos != t.size() || !ymd.ok() || h > 23 || mi > 59 || s > 59) return invalid;
  const std::int64_t seconds =
      sys_days(ymd).time_since_epoch().count() * 86'400 + h * 3600 + mi * 60 + s - offset_seconds;
  if (std::abs(static_cast<double>(seconds)) * kNsPerSecond >= 9.2e18) return invalid;  // outside int64 ns
  return json::value(seconds * kNsPerSecond + fraction_ns);
}

// Go durations: "1h30m", "-1.5s", "300ms", "2h45m0.5s"; units ns, us, µs, ms, s, m, h.
Result<json::value> parse_duration_ns(Args args, const BuiltinContext&) {
  constexpr std::string_view name = "time.parse_duration_ns";
  auto text = string_arg(args, 0, name);
  if (!text) return text.take_error();
  std::string_view t = *text;
  const auto invalid = builtin_error(name, fmt::format("invalid duration \"{}\"", *text));
  bool negative = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  if (t == "0") return json::value(0);
  if (t.empty()) return invalid;
  double total = 0;
  while (!t.empty()) {
    std::size_t i = 0;
    double value = 0;
    bool any_digit = false;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, any_digit = true)
      value = value * 10 + (t[i] - '0');
    if (i < t.size() && t[i] == '.') {
      double scale = 0.1;
      for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, scale /= 10, any_digit = true) {
        value += (t[i] - '0') * scale;
      }
    }
    if (!any_digit) return invalid;
    t.remove_prefix(i);
    static constexpr std::pair<std::string_view, double> kUnits[] = {
        {"ns", 1},   {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
        {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
    bool matched = false;
    // Longest unit first where one is a prefix of another ("ms" before "m", "ns"/"us" before "s").
    for (std::string_view unit : {"ns", "us", "\xC2\xB5s", "\xCE\xBCs", "ms", "h", "m", "s"}) {
      if (t.starts_with(unit)) {
        for (const auto& [u, factor] : kUnits) {
          if (u == unit) total += value * factor;
        }
        t.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) return invalid;
  }
  if (total >= 9.2e18) return invalid;
  const auto ns = static_cast<std::int64_t>(std::llround(total));
  return json::value(negative ? -ns : ns);
}

constexpr Builtin kTime[] = {
    {"time.add_date", 4, add_date},
    {"time.clock", 1, time_clock},
    {"time.date", 1, time_date},
    {"time.now_ns", 0, now_ns},
    {"time.parse_duration_ns", 1, parse_duration_ns},
    {"time.parse_rfc3339_ns", 1, parse_rfc3339_ns},
    {"time.weekday", 1, time_weekday},
};

}  // namespace

std::span<const Builtin> time_builtins() {
  return kTime;
}

}  // namespace wasmgate::abi::opa::detail
