#include "core/json_patch.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace wasmgate {
namespace {

namespace json = boost::json;

json::value j(const char* text) {
  return json::parse(text);
}

// Compares as RFC 6902 `test` does, and prints both sides on failure.
void expect_json(const json::value& actual, const char* expected) {
  EXPECT_TRUE(json_equal(actual, j(expected)))
      << "actual:   " << json::serialize(actual) << "\nexpected: " << expected;
}

// ---- RFC 7386 Appendix A
// -------------------------------------------------------------------------------------

struct MergeCase {
  const char* target;
  const char* patch;
  const char* result;
};

class MergePatchRfcExamples : public ::testing::TestWithParam<MergeCase> {};

TEST_P(MergePatchRfcExamples, ProducesTheRfcResult) {
  const auto& c = GetParam();
  expect_json(merge_patch(j(c.target), j(c.patch)), c.result);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7386, MergePatchRfcExamples,
    ::testing::Values(MergeCase{R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
                      MergeCase{R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
                      MergeCase{R"({"a":"b"})", R"({"a":null})", R"({})"},
                      MergeCase{R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
                      MergeCase{R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
                      MergeCase{R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
                      MergeCase{R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
                      MergeCase{R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
                      MergeCase{R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
                      MergeCase{R"({"a":"b"})", R"(["c"])", R"(["c"])"},
                      MergeCase{R"({"a":"foo"})", "null", "null"},
                      MergeCase{R"({"a":"foo"})", R"("bar")", R"("bar")"},
                      MergeCase{R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
                      MergeCase{R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
                      MergeCase{R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"}));

// ---- RFC 6902 Appendix A
// -------------------------------------------------------------------------------------

struct PatchCase {
  const char* name;
  const char* doc;
  const char* patch;
  const char* result;  // nullptr: the patch must fail
};

class JsonPatchRfcExamples : public ::testing::TestWithParam<PatchCase> {};

TEST_P(JsonPatchRfcExamples, ProducesTheRfcResultOrError) {
  const auto& c = GetParam();
  auto r = apply_json_patch(j(c.doc), j(c.patch));
  if (c.result == nullptr) {
    ASSERT_FALSE(r.ok()) << c.name << " should fail, got " << json::serialize(*r);
    EXPECT_EQ(r.error().code, Errc::BadRequest);
  } else {
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.error().message;
    expect_json(*r, c.result);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc6902, JsonPatchRfcExamples,
    ::testing::Values(
        PatchCase{"A1_AddObjectMember", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
                  R"({"baz":"qux","foo":"bar"})"},
        PatchCase{"A2_AddArrayElement", R"({"foo":["bar","baz"]})",
                  R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})"},
        PatchCase{"A3_RemoveObjectMember", R"({"baz":"qux","foo":"bar"})",
                  R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})"},
        PatchCase{"A4_RemoveArrayElement", R"({"foo":["bar","qux","baz"]})",
                  R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})"},
        PatchCase{"A5_ReplaceValue", R"({"baz":"qux","foo":"bar"})",
                  R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})"},
        PatchCase{"A6_MoveValue", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                  R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
                  R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
        PatchCase{"A7_MoveArrayElement", R"({"foo":["all","grass","cows","eat"]})",
                  R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
                  R"({"foo":["all","cows","eat","grass"]})"},
        PatchCase{"A8_TestSuccess", R"({"baz":"qux","foo":["a",2,"c"]})",
                  R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
                  R"({"baz":"qux","foo":["a",2,"c"]})"},
        PatchCase{"A9_TestError", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])",
                  nullptr},
        PatchCase{"A10_AddNestedMemberObject", R"({"foo":"bar"})",
                  R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
                  R"({"foo":"bar","child":{"grandchild":{}}})"},
        PatchCase{"A11_IgnoreUnrecognizedElements", R"({"foo":"bar"})",
                  R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])", R"({"foo":"bar","baz":"qux"})"},
        PatchCase{"A12_AddToNonexistentTarget", R"({"foo":"bar"})",
                  R"([{"op":"add","path":"/baz/bat","value":"qux"}])", nullptr},
        PatchCase{"A14_EscapeOrdering", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])",
                  R"({"/":9,"~1":10})"},
        PatchCase{"A15_StringsAndNumbersDiffer", R"({"/":9,"~1":10})",
                  R"([{"op":"test","path":"/~01","value":"10"}])", nullptr},
        PatchCase{"A16_AddArrayValue", R"({"foo":["bar"]})",
                  R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
                  R"({"foo":["bar",["abc","def"]]})"}),
    [](const ::testing::TestParamInfo<PatchCase>& info) { return std::string(info.param.name); });

// ---- behaviour beyond the RFC examples
// ------------------------------------------------------------------------

TEST(JsonPatch, ErrorNamesTheOperationIndexAndPath) {
  auto r = apply_json_patch(j(R"({"a":{}})"), j(R"([{"op":"test","path":"","value":{"a":{}}},
                                                    {"op":"add","path":"/x","value":1},
                                                    {"op":"remove","path":"/a/b"}])"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "patch[2]: path '/a/b' does not exist");
}

TEST(JsonPatch, CopyDuplicatesAValue) {
  auto r = apply_json_patch(j(R"({"a":{"b":[1]}})"), j(R"([{"op":"copy","from":"/a/b","path":"/c"}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  expect_json(*r, R"({"a":{"b":[1]},"c":[1]})");
}

TEST(JsonPatch, RootPathReplacesTheDocument) {
  auto r = apply_json_patch(j(R"({"a":1})"), j(R"([{"op":"replace","path":"","value":[1,2]}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  expect_json(*r, "[1,2]");
}

TEST(JsonPatch, RejectsMovingAValueIntoItsOwnChild) {
  auto r = apply_json_patch(j(R"({"a":{"b":1}})"), j(R"([{"op":"move","from":"/a","path":"/a/b/c"}])"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("patch[0]"), std::string::npos);
}

TEST(JsonPatch, RejectsUnknownOpAndNamesIt) {
  auto r = apply_json_patch(j("{}"), j(R"([{"op":"frobnicate","path":"/a"}])"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("patch[0]: unknown op 'frobnicate'"), std::string::npos)
      << r.error().message;
}

TEST(JsonPatch, RejectsMissingValueAndMissingPath) {
  auto no_value = apply_json_patch(j("{}"), j(R"([{"op":"add","path":"/a"}])"));
  ASSERT_FALSE(no_value.ok());
  EXPECT_NE(no_value.error().message.find("'value' is missing"), std::string::npos);
  auto no_path = apply_json_patch(j("{}"), j(R"([{"op":"remove"}])"));
  ASSERT_FALSE(no_path.ok());
  EXPECT_NE(no_path.error().message.find("'path' is missing"), std::string::npos);
}

TEST(JsonPatch, RejectsNonArrayPatch) {
  auto r = apply_json_patch(j("{}"), j(R"({"op":"add"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::BadRequest);
}

TEST(JsonPatch, ArrayIndexesMustBeCanonical) {
  EXPECT_FALSE(apply_json_patch(j(R"({"a":[1,2]})"), j(R"([{"op":"remove","path":"/a/01"}])")).ok());
  EXPECT_FALSE(apply_json_patch(j(R"({"a":[1,2]})"), j(R"([{"op":"remove","path":"/a/2"}])")).ok());
  EXPECT_FALSE(apply_json_patch(j(R"({"a":[1,2]})"), j(R"([{"op":"add","path":"/a/3","value":0}])")).ok());
  auto at_end = apply_json_patch(j(R"({"a":[1,2]})"), j(R"([{"op":"add","path":"/a/2","value":3}])"));
  ASSERT_TRUE(at_end.ok());
  expect_json(*at_end, R"({"a":[1,2,3]})");
}

TEST(JsonPatch, TestComparesNumbersByValueAndObjectsWithoutOrder) {
  auto r = apply_json_patch(j(R"({"n":1,"o":{"x":1,"y":2}})"), j(R"([{"op":"test","path":"/n","value":1.0},
                                  {"op":"test","path":"/o","value":{"y":2,"x":1}}])"));
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(JsonPointer, DecodesEscapesInTheRightOrder) {
  auto tokens = parse_json_pointer("/a~1b/m~0n/~01/");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(*tokens, (std::vector<std::string>{"a/b", "m~n", "~1", ""}));
  EXPECT_TRUE(parse_json_pointer("")->empty());
  EXPECT_FALSE(parse_json_pointer("a").ok());
  EXPECT_FALSE(parse_json_pointer("/a~2").ok());
}

TEST(JsonPointer, ResolvesRfc6901Examples) {
  // RFC 6901 §5, each pointer tested for the value it must reach.
  auto doc =
      j(R"({"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8})");
  const std::pair<const char*, const char*> cases[] = {{"/foo", R"(["bar","baz"])"},
                                                       {"/foo/0", R"("bar")"},
                                                       {"/", "0"},
                                                       {"/a~1b", "1"},
                                                       {"/c%d", "2"},
                                                       {"/e^f", "3"},
                                                       {"/g|h", "4"},
                                                       {"/i\\j", "5"},
                                                       {"/k\"l", "6"},
                                                       {"/ ", "7"},
                                                       {"/m~0n", "8"}};
  for (const auto& [pointer, expected] : cases) {
    json::array patch;
    patch.push_back(json::object{{"op", "test"}, {"path", pointer}, {"value", j(expected)}});
    auto r = apply_json_patch(doc, patch);
    EXPECT_TRUE(r.ok()) << pointer << ": " << r.error().message;
  }
}

TEST(DeepMerge, MergesObjectsRecursivelyAndKeepsNulls) {
  auto merged = deep_merge(j(R"({"id":"a","metadata":{"k":"v"},"tags":["x"]})"),
                           j(R"({"metadata":{"created_at":"now"},"tags":["y"],"n":null})"));
  expect_json(merged, R"({"id":"a","metadata":{"k":"v","created_at":"now"},"tags":["y"],"n":null})");
}

TEST(DeepMerge, ReplacesNonObjectValues) {
  expect_json(deep_merge(j(R"({"metadata":"oops"})"), j(R"({"metadata":{"a":"b"}})")),
              R"({"metadata":{"a":"b"}})");
  expect_json(deep_merge(j("[1]"), j(R"({"a":1})")), R"({"a":1})");
}

}  // namespace
}  // namespace wasmgate
