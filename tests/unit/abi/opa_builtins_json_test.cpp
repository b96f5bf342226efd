// JSON and encoding built-ins: json.is_valid, json.patch, marshal/unmarshal, hex, base64url, urlquery.
#include <gtest/gtest.h>

#include "opa_builtin_test_support.h"

namespace wasmgate::abi::opa {
namespace {

using testing::error_of;
using testing::result_of;

TEST(OpaJson, IsValidNeverFails) {
  EXPECT_EQ(result_of("json.is_valid", R"(["{\"a\":1}"])"), "true");
  EXPECT_EQ(result_of("json.is_valid", R"(["{\"a\":"])"), "false");
  EXPECT_EQ(result_of("json.is_valid", "[3]"), "false");
}

TEST(OpaJson, PatchAppliesRfc6902) {
  EXPECT_EQ(
      result_of("json.patch",
                R"([{"a": 1}, [{"op": "add", "path": "/b", "value": [2]}, {"op": "remove", "path": "/a"}]])"),
      R"({"b":[2]})");
  EXPECT_NE(error_of("json.patch", R"([{}, [{"op": "remove", "path": "/x"}]])").find("json.patch: "),
            std::string::npos);
}

TEST(OpaJson, MarshalAndUnmarshal) {
  EXPECT_EQ(result_of("json.marshal", R"([{"a": [1, "x"]}])"), R"("{\"a\":[1,\"x\"]}")");
  EXPECT_EQ(result_of("json.unmarshal", R"(["[true, null]"])"), "[true,null]");
  EXPECT_FALSE(error_of("json.unmarshal", R"(["{"])").empty());
}

TEST(OpaEncoding, HexAndBase64Url) {
  EXPECT_EQ(result_of("hex.encode", R"(["hi!"])"), R"("686921")");
  EXPECT_EQ(result_of("hex.decode", R"(["686921"])"), R"("hi!")");
  EXPECT_EQ(error_of("hex.decode", R"(["6g"])"), "hex.decode: invalid byte at offset 0");
  EXPECT_EQ(result_of("base64url.encode_no_pad", R"(["\u00fb\u00ff?"])"), R"("w7vDvz8")");
}

TEST(OpaEncoding, UrlQueryLikeGo) {
  EXPECT_EQ(result_of("urlquery.encode", R"(["a b&c=d/é"])"), R"("a+b%26c%3Dd%2F%C3%A9")");
  EXPECT_EQ(result_of("urlquery.decode", R"(["a+b%26c"])"), R"("a b&c")");
  EXPECT_EQ(error_of("urlquery.decode", R"(["%zz"])"), "urlquery.decode: invalid URL escape \"%zz\"");
  EXPECT_EQ(error_of("urlquery.decode", R"(["ab%4"])"), "urlquery.decode: invalid URL escape \"%4\"");
  EXPECT_EQ(error_of("urlquery.decode", R"(["ab%"])"), "urlquery.decode: invalid URL escape \"%\"");
  EXPECT_EQ(result_of("urlquery.encode_object", R"([{"b": ["2", "3"], "a": "x y"}])"), R"("a=x+y&b=2&b=3")");
  EXPECT_EQ(result_of("urlquery.decode_object", R"(["a=1&b=2&a=3&c"])"),
            R"({"a":["1","3"],"b":["2"],"c":[""]})");
}

}  // namespace
}  // namespace wasmgate::abi::opa
