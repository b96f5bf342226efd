// Small helpers shared by the model tests.
#pragma once

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string_view>

#include "core/error.h"

namespace wasmgate::model::testing {

inline boost::json::value js(std::string_view text) {
  return boost::json::parse(text);
}

// A copy of the value at a JSON pointer ("/backend/targets/0/port"); throws if absent.
inline boost::json::value at(const boost::json::object& doc, std::string_view pointer) {
  return boost::json::value(doc).at_pointer(pointer);
}

// The value of a parse that must succeed; on failure the test fails with the parser's message and a default
// value is returned so the test can go on.
template <typename T>
T expect_ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : T{};
}

inline bool has(const boost::json::object& doc, std::string_view pointer) {
  boost::system::error_code ec;
  return boost::json::value(doc).find_pointer(pointer, ec) != nullptr;
}

}  // namespace wasmgate::model::testing
