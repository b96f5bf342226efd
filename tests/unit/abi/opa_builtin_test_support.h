// Calling OPA built-ins by name with JSON-text arguments, for the built-in family tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "wasm/abi/opa/builtins.h"

namespace wasmgate::abi::opa::testing {

// The fixed time.now_ns of the tests: 2024-01-02T03:04:05.5Z.
inline constexpr std::int64_t kTestNowNs = 1704164645500000000;

// `args_json` is a JSON array of the arguments.
inline Result<boost::json::value> call(std::string_view name, std::string_view args_json) {
  const Builtin* builtin = find_builtin(name);
  if (builtin == nullptr) return make_error(Errc::NotFound, "no builtin " + std::string(name));
  const boost::json::array args = boost::json::parse(args_json).as_array();
  const std::vector<boost::json::value> list(args.begin(), args.end());
  return call_builtin(*builtin, list, BuiltinContext{kTestNowNs});
}

// The result as compact JSON, or "<error: …>" so a comparison fails readably.
inline std::string result_of(std::string_view name, std::string_view args_json) {
  auto result = call(name, args_json);
  return result ? boost::json::serialize(*result) : "<error: " + result.error().message + ">";
}

// The error message of a call expected to fail (its result is undefined in the policy).
inline std::string error_of(std::string_view name, std::string_view args_json) {
  auto result = call(name, args_json);
  EXPECT_FALSE(result.ok()) << name << " " << args_json << " returned " << boost::json::serialize(*result);
  return result ? "" : result.error().message;
}

}  // namespace wasmgate::abi::opa::testing
