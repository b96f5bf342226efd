// Regex built-ins on RE2: match, is_valid, split, find_n, submatches, replace with Go templates.
#include <gtest/gtest.h>

#include "opa_builtin_test_support.h"

namespace wasmgate::abi::opa {
namespace {

using testing::error_of;
using testing::result_of;

TEST(OpaRegex, MatchIsUnanchoredLikeGo) {
  EXPECT_EQ(result_of("regex.match", R"j(["^v[0-9]+$", "v12"])j"), "true");
  EXPECT_EQ(result_of("regex.match", R"j(["[0-9]", "abc"])j"), "false");
  EXPECT_EQ(result_of("re_match", R"j(["b", "abc"])j"), "true");
}

TEST(OpaRegex, InvalidPatternIsAnErrorAndIsValidSaysFalse) {
  EXPECT_NE(error_of("regex.match", R"j(["(", "x"])j").find("regex.match: invalid regex ("),
            std::string::npos);
  EXPECT_EQ(result_of("regex.is_valid", R"j(["("])j"), "false");
  EXPECT_EQ(result_of("regex.is_valid", R"j(["a+"])j"), "true");
  EXPECT_EQ(result_of("regex.is_valid", R"j([42])j"), "false");
}

TEST(OpaRegex, Split) {
  EXPECT_EQ(result_of("regex.split", R"j(["[,;] *", "a, b;c"])j"), R"j(["a","b","c"])j");
  EXPECT_EQ(result_of("regex.split", R"j(["x", "abc"])j"), R"j(["abc"])j");
}

TEST(OpaRegex, FindNHonoursTheLimit) {
  EXPECT_EQ(result_of("regex.find_n", R"j(["[0-9]+", "a1b22c333", 2])j"), R"j(["1","22"])j");
  EXPECT_EQ(result_of("regex.find_n", R"j(["[0-9]+", "a1b22c333", -1])j"), R"j(["1","22","333"])j");
  EXPECT_EQ(result_of("regex.find_n", R"j(["a*", "baaab", -1])j"), R"j(["","aaa",""])j");
}

TEST(OpaRegex, FindAllStringSubmatchN) {
  EXPECT_EQ(result_of("regex.find_all_string_submatch_n", R"j(["([a-z]+)=([0-9]+)", "a=1 bc=22", -1])j"),
            R"j([["a=1","a","1"],["bc=22","bc","22"]])j");
}

TEST(OpaRegex, ReplaceExpandsGoTemplates) {
  EXPECT_EQ(result_of("regex.replace", R"j(["user-42", "([a-z]+)-([0-9]+)", "$2:${1}"])j"), R"j("42:user")j");
  EXPECT_EQ(result_of("regex.replace", R"j(["a.b.c", "\\.", "$$"])j"), R"j("a$b$c")j");
  EXPECT_EQ(result_of("regex.replace", R"j(["k=v", "(?P<key>[a-z])=", "${key}:"])j"), R"j("k:v")j");
}

}  // namespace
}  // namespace wasmgate::abi::opa
