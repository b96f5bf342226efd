// String built-ins: sprintf with Go's verbs, indexof_n, any prefix/suffix match, count, replace_n.
#include <gtest/gtest.h>

#include "opa_builtin_test_support.h"

namespace wasmgate::abi::opa {
namespace {

using testing::error_of;
using testing::result_of;

TEST(OpaStrings, SprintfFormatsStringsAndNumbers) {
  EXPECT_EQ(result_of("sprintf", R"(["%s-%d", ["a", 7]])"), R"("a-7")");
  EXPECT_EQ(result_of("sprintf", R"(["%v|%v|%v", [1.5, true, null]])"), R"("1.5|true|null")");
  EXPECT_EQ(result_of("sprintf", R"(["%.2f %5d|%-4s|%05d", [3.14159, 42, "ab", -7]])"),
            R"("3.14    42|ab  |-0007")");
  EXPECT_EQ(result_of("sprintf", R"(["%x %X %o %b", [255, 255, 8, 5]])"), R"("ff FF 10 101")");
  EXPECT_EQ(result_of("sprintf", R"(["%q %t 100%%", ["hi", false]])"), R"("\"hi\" false 100%")");
}

TEST(OpaStrings, SprintfRendersCollectionsAsRegoTerms) {
  EXPECT_EQ(result_of("sprintf", R"(["%v", [["a", 1]]])"), R"("[\"a\", 1]")");
  EXPECT_EQ(result_of("sprintf", R"(["%v", [{"k": [true]}]])"), R"("{\"k\": [true]}")");
  EXPECT_EQ(result_of("sprintf", R"(["%d", [3.0]])"), R"("3")");  // integral numbers print as integers
}

TEST(OpaStrings, SprintfReportsBadVerbsLikeGo) {
  EXPECT_EQ(result_of("sprintf", R"(["%d", ["x"]])"), R"j("%!d(string=x)")j");
  EXPECT_EQ(result_of("sprintf", R"(["%s %s", ["a"]])"), R"j("a %!s(MISSING)")j");
  EXPECT_EQ(result_of("sprintf", R"(["%s", ["a", 2]])"), R"j("a%!(EXTRA number=2)")j");
}

TEST(OpaStrings, SprintfNeedsAnArrayOfValues) {
  EXPECT_EQ(error_of("sprintf", R"(["%s", "a"])"), "sprintf: operand 2 must be array but got string");
}

TEST(OpaStrings, IndexofNCountsCodePointsAndOverlaps) {
  EXPECT_EQ(result_of("indexof_n", R"(["sheeep", "ee"])"), "[2,3]");
  EXPECT_EQ(result_of("indexof_n", R"(["héhé", "é"])"), "[1,3]");
  EXPECT_EQ(result_of("indexof_n", R"(["abc", "z"])"), "[]");
}

TEST(OpaStrings, AnyPrefixAndSuffixMatchTakeStringsOrArrays) {
  EXPECT_EQ(result_of("strings.any_prefix_match", R"(["/api/v1", ["/admin", "/api"]])"), "true");
  EXPECT_EQ(result_of("strings.any_prefix_match", R"([["x", "y"], "/"])"), "false");
  EXPECT_EQ(result_of("strings.any_suffix_match", R"(["file.json", [".yaml", ".json"]])"), "true");
  EXPECT_EQ(error_of("strings.any_suffix_match", R"(["a", [1]])"),
            "strings.any_suffix_match: operand 2 must be string or array of strings but got number");
}

TEST(OpaStrings, CountAndReplaceN) {
  EXPECT_EQ(result_of("strings.count", R"(["cheese", "e"])"), "3");
  EXPECT_EQ(result_of("strings.count", R"(["five", ""])"), "5");
  EXPECT_EQ(result_of("strings.replace_n", R"([{"a": "1", "ab": "2", "b": "3"}, "abba"])"), R"("1331")");
}

}  // namespace
}  // namespace wasmgate::abi::opa
