#include "wasm/abi/opa/builtins.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "wasm/abi/opa/detail/builtin_args.h"

namespace wasmgate::abi::opa {

namespace detail {

std::string_view json_type_name(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "unknown";
}

Error operand_error(std::string_view builtin, std::size_t index, std::string_view expected,
                    const boost::json::value& got) {
  return make_error(Errc::BadRequest, fmt::format("{}: operand {} must be {} but got {}", builtin, index + 1,
                                                  expected, json_type_name(got)));
}

Error builtin_error(std::string_view builtin, std::string_view what) {
  return make_error(Errc::BadRequest, fmt::format("{}: {}", builtin, what));
}

Result<std::string_view> string_arg(Args args, std::size_t index, std::string_view builtin) {
  const auto& value = args[index];
  if (!value.is_string()) return operand_error(builtin, index, "string", value);
  return std::string_view(value.get_string());
}

Result<std::int64_t> int_arg(Args args, std::size_t index, std::string_view builtin) {
  const auto& value = args[index];
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value.get_uint64());
  }
  if (value.is_double()) {
    const double d = value.get_double();
    // Integral and inside int64's range (2^63 is the first double outside it).
    if (std::floor(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      return static_cast<std::int64_t>(d);
    }
  }
  return operand_error(builtin, index, "integer number", value);
}

Result<const boost::json::array*> array_arg(Args args, std::size_t index, std::string_view builtin) {
  const auto& value = args[index];
  if (!value.is_array()) return operand_error(builtin, index, "array", value);
  return &value.get_array();
}

Result<const boost::json::object*> object_arg(Args args, std::size_t index, std::string_view builtin) {
  const auto& value = args[index];
  if (!value.is_object()) return operand_error(builtin, index, "object", value);
  return &value.get_object();
}

Result<std::vector<std::string_view>> strings_arg(Args args, std::size_t index, std::string_view builtin) {
  const auto& value = args[index];
  std::vector<std::string_view> out;
  if (value.is_string()) {
    out.push_back(value.get_string());
    return out;
  }
  if (!value.is_array()) return operand_error(builtin, index, "string or array of strings", value);
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) return operand_error(builtin, index, "string or array of strings", item);
    out.push_back(item.get_string());
  }
  return out;
}

}  // namespace detail

namespace {

// Every family's entries, sorted by name once.
const std::vector<Builtin>& all_builtins() {
  static const std::vector<Builtin> table = [] {
    std::vector<Builtin> all;
    for (auto family : {detail::string_builtins(), detail::regex_builtins(), detail::time_builtins(),
                        detail::json_builtins(), detail::encoding_builtins(), detail::crypto_builtins()}) {
      all.insert(all.end(), family.begin(), family.end());
    }
    std::sort(all.begin(), all.end(), [](const Builtin& a, const Builtin& b) { return a.name < b.name; });
    return all;
  }();
  return table;
}

}  // namespace

const Builtin* find_builtin(std::string_view name) {
  const auto& table = all_builtins();
  auto it = std::lower_bound(table.begin(), table.end(), name,
                             [](const Builtin& b, std::string_view n) { return b.name < n; });
  return it != table.end() && it->name == name ? &*it : nullptr;
}

std::vector<std::string_view> builtin_names() {
  std::vector<std::string_view> names;
  for (const auto& b : all_builtins()) names.push_back(b.name);
  return names;
}

Result<boost::json::value> call_builtin(const Builtin& builtin, std::span<const boost::json::value> args,
                                        const BuiltinContext& context) {
  if (static_cast<int>(args.size()) != builtin.arity) {
    return make_error(Errc::BadRequest, fmt::format("{}: called with {} argument(s), takes {}", builtin.name,
                                                    args.size(), builtin.arity));
  }
  return builtin.fn(args, context);
}

}  // namespace wasmgate::abi::opa
