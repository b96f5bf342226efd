// Time built-ins: now_ns fixed per evaluation, RFC 3339 and Go duration parsing, calendar parts, add_date.
#include <gtest/gtest.h>

#include "opa_builtin_test_support.h"

namespace wasmgate::abi::opa {
namespace {

using testing::error_of;
using testing::result_of;

TEST(OpaTime, NowIsTheEvaluationsFixedTime) {
  EXPECT_EQ(result_of("time.now_ns", "[]"), std::to_string(testing::kTestNowNs));
}

TEST(OpaTime, ParseRfc3339) {
  EXPECT_EQ(result_of("time.parse_rfc3339_ns", R"(["2024-01-02T03:04:05Z"])"), "1704164645000000000");
  EXPECT_EQ(result_of("time.parse_rfc3339_ns", R"(["2024-01-02T04:04:05.25+01:00"])"), "1704164645250000000");
  EXPECT_EQ(result_of("time.parse_rfc3339_ns", R"(["1969-12-31T23:59:59Z"])"), "-1000000000");
  EXPECT_EQ(error_of("time.parse_rfc3339_ns", R"(["2024-02-30T00:00:00Z"])"),
            "time.parse_rfc3339_ns: cannot parse \"2024-02-30T00:00:00Z\" as RFC 3339");
  EXPECT_FALSE(error_of("time.parse_rfc3339_ns", R"(["2024-01-02 03:04:05"])").empty());
}

TEST(OpaTime, ParseDurationLikeGo) {
  EXPECT_EQ(result_of("time.parse_duration_ns", R"(["1h30m"])"), "5400000000000");
  EXPECT_EQ(result_of("time.parse_duration_ns", R"(["-1.5s"])"), "-1500000000");
  EXPECT_EQ(result_of("time.parse_duration_ns", R"(["300ms"])"), "300000000");
  EXPECT_EQ(result_of("time.parse_duration_ns", R"(["2us"])"), "2000");
  EXPECT_EQ(result_of("time.parse_duration_ns", R"(["0"])"), "0");
  EXPECT_EQ(error_of("time.parse_duration_ns", R"(["5 minutes"])"),
            "time.parse_duration_ns: invalid duration \"5 minutes\"");
}

TEST(OpaTime, DateClockAndWeekdayInUtc) {
  EXPECT_EQ(result_of("time.date", "[1704164645000000000]"), "[2024,1,2]");
  EXPECT_EQ(result_of("time.clock", "[1704164645000000000]"), "[3,4,5]");
  EXPECT_EQ(result_of("time.weekday", "[1704164645000000000]"), R"("Tuesday")");
  EXPECT_EQ(result_of("time.date", R"([[1704164645000000000, "UTC"]])"), "[2024,1,2]");
  EXPECT_EQ(result_of("time.date", "[-1]"), "[1969,12,31]");
  EXPECT_EQ(result_of("time.clock", "[-1]"), "[23,59,59]");
}

TEST(OpaTime, OtherTimeZonesAreRefusedNotIgnored) {
  EXPECT_EQ(error_of("time.date", R"([[0, "Europe/Paris"]])"),
            "time.date: time zone Europe/Paris is not supported (only UTC)");
}

TEST(OpaTime, AddDateNormalizesLikeGo) {
  // 2023-10-31 + 1 month = 2023-12-01 (November has 30 days).
  const std::string oct31 = result_of("time.parse_rfc3339_ns", R"(["2023-10-31T12:00:00Z"])");
  const std::string dec1 = result_of("time.parse_rfc3339_ns", R"(["2023-12-01T12:00:00Z"])");
  EXPECT_EQ(result_of("time.add_date", "[" + oct31 + ", 0, 1, 0]"), dec1);
  const std::string feb29 = result_of("time.parse_rfc3339_ns", R"(["2024-02-29T00:00:00Z"])");
  const std::string mar1 = result_of("time.parse_rfc3339_ns", R"(["2025-03-01T00:00:00Z"])");
  EXPECT_EQ(result_of("time.add_date", "[" + feb29 + ", 1, 0, 0]"), mar1);
  const std::string jan1 = result_of("time.parse_rfc3339_ns", R"(["2024-01-01T00:00:00Z"])");
  const std::string dec31 = result_of("time.parse_rfc3339_ns", R"(["2023-12-31T00:00:00Z"])");
  EXPECT_EQ(result_of("time.add_date", "[" + jan1 + ", 0, 0, -1]"), dec31);
}

}  // namespace
}  // namespace wasmgate::abi::opa
