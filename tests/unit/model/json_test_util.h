// Small helpers shared by the model tests.
#pragma once

#include <boost/json.hpp>
#include <string_view>

namespace wasmgate::model::testing {

inline boost::json::value js(std::string_view text) {
  return boost::json::parse(text);
}

// A copy of the value at a JSON pointer ("/backend/targets/0/port"); throws if absent.
inline boost::json::value at(const boost::json::object& doc, std::string_view pointer) {
  return boost::json::value(doc).at_pointer(pointer);
}

inline bool has(const boost::json::object& doc, std::string_view pointer) {
  boost::system::error_code ec;
  return boost::json::value(doc).find_pointer(pointer, ec) != nullptr;
}

}  // namespace wasmgate::model::testing
