// Helpers shared by the OPA built-in families: typed access to arguments with OPA-style messages
// ("sprintf: operand 1 must be string but got number"), and each family's table.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/error.h"
#include "wasm/abi/opa/builtins.h"

namespace wasmgate::abi::opa::detail {

using Args = std::span<const boost::json::value>;

// "string", "number", "boolean", "null", "array", "object" (OPA's type names).
std::string_view json_type_name(const boost::json::value& value);

// BadRequest "<builtin>: operand <index+1> must be <expected> but got <type>".
Error operand_error(std::string_view builtin, std::size_t index, std::string_view expected,
                    const boost::json::value& got);
// BadRequest "<builtin>: <what>".
Error builtin_error(std::string_view builtin, std::string_view what);

Result<std::string_view> string_arg(Args args, std::size_t index, std::string_view builtin);
// An integral number (3, 3.0); not 3.5.
Result<std::int64_t> int_arg(Args args, std::size_t index, std::string_view builtin);
Result<const boost::json::array*> array_arg(Args args, std::size_t index, std::string_view builtin);
Result<const boost::json::object*> object_arg(Args args, std::size_t index, std::string_view builtin);
// A string, or an array (or set) of strings: OPA's "string or collection of strings" operands.
Result<std::vector<std::string_view>> strings_arg(Args args, std::size_t index, std::string_view builtin);

// The family tables (builtins_*.cpp).
std::span<const Builtin> string_builtins();
std::span<const Builtin> regex_builtins();
std::span<const Builtin> time_builtins();
std::span<const Builtin> json_builtins();
std::span<const Builtin> encoding_builtins();
std::span<const Builtin> crypto_builtins();

}  // namespace wasmgate::abi::opa::detail
