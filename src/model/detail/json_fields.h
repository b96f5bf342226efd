// Path-tracking readers for untrusted entity JSON. Every model parser normalizes one object at a time through
// an ObjectFields: each read checks the type, fills the default, and writes the value under Otoroshi's key
// into a fresh output object; finish() then appends every key the parser did not know, untouched. Errors are
// thrown as FieldError ("frontend.domains[1]: must be a string") and turned into Errc::BadRequest by
// guarded() at each public parse_* entry point, so parsers read straight-line instead of checking a Result
// after every field.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace wasmgate::model::detail {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// A field that failed validation. Never escapes a public parse_* function (see guarded()).
struct FieldError {
  std::string message;  // "<path>: <reason>"
};

// Throws FieldError "<path>: <reason>"; an empty path reads as "document".
[[noreturn]] void fail(std::string_view path, std::string_view reason);

// "frontend" + "domains" -> "frontend.domains"; "" + "id" -> "id".
std::string join_path(std::string_view parent, std::string_view key);
// "frontend.domains" + 1 -> "frontend.domains[1]".
std::string index_path(std::string_view parent, std::size_t index);

// Element readers for values that are not object members (array items, map values). Throw FieldError.
std::string_view as_string(const boost::json::value& v, std::string_view path);
bool as_bool(const boost::json::value& v, std::string_view path);
// Accepts any JSON number with an integral value in [min, max] (5000.0 reads as 5000).
std::int64_t as_integer(const boost::json::value& v, std::string_view path, std::int64_t min,
                        std::int64_t max);
double as_number(const boost::json::value& v, std::string_view path);
const boost::json::object& as_object(const boost::json::value& v, std::string_view path);
const boost::json::array& as_array(const boost::json::value& v, std::string_view path);

// The object at `v`, or an empty object when `v` is absent (nullptr) or null. Throws if it is another type.
const boost::json::object& object_or_empty(const boost::json::value* v, std::string_view path);

inline constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
inline constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// Reads one input object and builds its normalized copy. Absent and null members read as the default
// (as Play's asOpt does in Otoroshi) except in the nullable_* readers, where null is a value.
class ObjectFields {
 public:
  // `in` must outlive this object. `path` names the object in messages ("" for the document root).
  ObjectFields(const boost::json::object& in, std::string path);

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }

  // The input member, or nullptr when absent. Null members are returned (as a null value).
  const boost::json::value* find(std::string_view key) const;
  // Present and not null.
  bool has(std::string_view key) const;

  std::string required_string(std::string_view key, bool allow_empty = true);
  std::string string_or(std::string_view key, std::string_view fallback);
  // Absent or null -> null written, nullopt returned. `blank_is_null`: "" and "  " also read as null.
  std::optional<std::string> nullable_string(std::string_view key, bool blank_is_null = false);
  bool boolean(std::string_view key, bool fallback);
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min = 0,
                       std::int64_t max = kInt64Max);
  double number(std::string_view key, double fallback, double min = 0.0);
  std::vector<std::string> string_array(std::string_view key,
                                        std::initializer_list<std::string_view> fallback = {});
  // An object whose values must all be strings ({} when absent).
  StringPairs string_map(std::string_view key);
  // Any JSON object, copied as is ({} or `fallback` when absent or null). The returned reference points into
  // the output and is valid until the next write to this ObjectFields.
  boost::json::object& any_object(std::string_view key, boost::json::object fallback = {});
  // An object or null, copied as is (null when absent).
  const boost::json::value& nullable_any_object(std::string_view key);

  // Writes a value computed by the caller (a nested normalized object, a converted legacy key).
  void put(std::string_view key, boost::json::value v);
  // Marks an input key as consumed (a legacy alias): it is not copied by finish().
  void drop(std::string_view key);

  // The normalized object: every key written so far, in write order, then every other input key in input
  // order (unknown fields kept untouched).
  boost::json::object finish() &&;

 private:
  const boost::json::object& in_;
  std::string path_;
  boost::json::object out_;
  std::vector<std::string> dropped_;
};

// Runs a parser and turns FieldError (and any Boost.JSON or std exception) into Errc::BadRequest.
template <typename T, typename F>
Result<T> guarded(F&& parse) noexcept {
  try {
    return Result<T>(parse());
  } catch (const FieldError& e) {
    return make_error(Errc::BadRequest, e.message);
  } catch (const std::exception& e) {
    return make_error(Errc::BadRequest, std::string("invalid document: ") + e.what());
  } catch (...) {
    return make_error(Errc::BadRequest, "invalid document");
  }
}

}  // namespace wasmgate::model::detail
