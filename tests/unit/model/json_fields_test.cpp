#include "model/detail/json_fields.h"

#include <gtest/gtest.h>

#include "json_test_util.h"

namespace wasmgate::model::detail {
namespace {

using wasmgate::model::testing::js;
namespace json = boost::json;

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

TEST(ObjectFields, WritesKnownKeysFirstThenUnknownOnesInInputOrder) {
  json::value in = js(R"({"z":1,"b":true,"legacy":"x","a":"s","y":2})");
  ObjectFields f(in.get_object(), "");
  f.string_or("a", "");
  f.boolean("b", false);
  f.integer("c", 7);
  f.drop("legacy");
  json::object out = std::move(f).finish();
  EXPECT_EQ(keys_of(out), (std::vector<std::string>{"a", "b", "c", "z", "y"}));
  EXPECT_EQ(out.at("c"), 7);
}

TEST(ObjectFields, NullReadsAsTheDefaultExceptForNullableReaders) {
  json::value in = js(R"({"s":null,"n":null,"o":null})");
  ObjectFields f(in.get_object(), "x");
  EXPECT_EQ(f.string_or("s", "d"), "d");
  EXPECT_FALSE(f.nullable_string("n").has_value());
  EXPECT_TRUE(f.nullable_any_object("o").is_null());
  json::object out = std::move(f).finish();
  EXPECT_EQ(out.at("s"), "d");
  EXPECT_TRUE(out.at("n").is_null());
}

TEST(ObjectFields, ErrorsCarryTheFullPath) {
  json::value in = js(R"({"list":["a",1],"map":{"k":[]},"i":1.5})");
  ObjectFields f(in.get_object(), "outer.inner");
  try {
    f.string_array("list");
    FAIL() << "expected a FieldError";
  } catch (const FieldError& e) {
    EXPECT_EQ(e.message, "outer.inner.list[1]: must be a string");
  }
  try {
    f.string_map("map");
    FAIL() << "expected a FieldError";
  } catch (const FieldError& e) {
    EXPECT_EQ(e.message, "outer.inner.map.k: must be a string");
  }
  try {
    f.integer("i", 0);
    FAIL() << "expected a FieldError";
  } catch (const FieldError& e) {
    EXPECT_EQ(e.message, "outer.inner.i: must be an integer");
  }
}

TEST(Guarded, TurnsFieldErrorsAndExceptionsIntoBadRequest) {
  Result<int> a = guarded<int>([]() -> int { fail("f", "bad"); });
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, Errc::BadRequest);
  EXPECT_EQ(a.error().message, "f: bad");
  Result<int> b = guarded<int>([]() -> int { return static_cast<int>(json::value("x").as_int64()); });
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Errc::BadRequest);
  EXPECT_EQ(guarded<int>([] { return 3; }).value(), 3);
}

TEST(AsInteger, AcceptsIntegralNumbersInRange) {
  EXPECT_EQ(as_integer(json::value(5.0), "p", 0, 10), 5);
  EXPECT_EQ(as_integer(json::value(std::uint64_t{7}), "p", 0, 10), 7);
  EXPECT_THROW(as_integer(json::value(11), "p", 0, 10), FieldError);
  EXPECT_THROW(as_integer(json::value(-1), "p", 0, kInt64Max), FieldError);
  EXPECT_THROW(as_integer(json::value("1"), "p", 0, 10), FieldError);
}

}  // namespace
}  // namespace wasmgate::model::detail
