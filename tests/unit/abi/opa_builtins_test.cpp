// The OPA built-in table: lookup by Rego name, arity checks, and the families' names all present.
#include <gtest/gtest.h>

#include "opa_builtin_test_support.h"

namespace wasmgate::abi::opa {
namespace {

using testing::error_of;

TEST(OpaBuiltins, FindsEveryFamilyByRegoName) {
  for (std::string_view name :
       {"sprintf", "regex.find_n", "time.parse_rfc3339_ns", "json.is_valid", "hex.encode",
        "urlquery.encode_object", "strings.any_prefix_match", "time.now_ns"}) {
    EXPECT_NE(find_builtin(name), nullptr) << name;
  }
  EXPECT_EQ(find_builtin("http.send"), nullptr);
  EXPECT_EQ(find_builtin(""), nullptr);
}

TEST(OpaBuiltins, NamesAreSortedAndUnique) {
  const auto names = builtin_names();
  ASSERT_GE(names.size(), 25u);
  for (std::size_t i = 1; i < names.size(); ++i) EXPECT_LT(names[i - 1], names[i]);
}

TEST(OpaBuiltins, WrongArgumentCountIsAnError) {
  EXPECT_EQ(error_of("sprintf", R"(["%s"])"), "sprintf: called with 1 argument(s), takes 2");
}

TEST(OpaBuiltins, WrongOperandTypeNamesTheOperand) {
  EXPECT_EQ(error_of("sprintf", R"([1, []])"), "sprintf: operand 1 must be string but got number");
}

}  // namespace
}  // namespace wasmgate::abi::opa
