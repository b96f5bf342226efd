// The OPA built-in functions wasmgate implements for policies compiled to wasm (spec otoroshi-wasm.md §6).
// OPA's compiler builds most built-ins into the module; the rest (sprintf, time.*, regex.find_n, json.patch…)
// are called on the host through opa_builtin0..4, which a policy names in its `builtins` export
// ({"name": id}). A policy is resolved against this table when it is loaded: a name missing here fails the
// load, naming it, instead of producing garbage at evaluation time (Otoroshi links no-op stubs).
//
// Arguments and results are plain JSON values (the host converts with the module's opa_json_dump /
// opa_json_parse), so the functions here are pure and testable without a VM. OPA sets are seen as arrays.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace wasmgate::abi::opa {

// What built-ins may read besides their arguments; fixed for one evaluation.
struct BuiltinContext {
  // time.now_ns: the same value for every call of one evaluation, as OPA requires.
  std::int64_t now_ns = 0;
};

// A built-in's result, or an Error (Errc::BadRequest naming the built-in and the argument): OPA treats a
// failed built-in as undefined, so the expression using it is undefined and the rule does not apply.
using BuiltinFn = Result<boost::json::value> (*)(std::span<const boost::json::value> args,
                                                 const BuiltinContext& context);

struct Builtin {
  std::string_view name;  // Rego's name: "sprintf", "time.parse_rfc3339_ns"
  int arity = 0;          // number of arguments (0..4: the opa_builtinN imports)
  BuiltinFn fn = nullptr;
};

// The built-in called `name`, or nullptr.
const Builtin* find_builtin(std::string_view name);
// Every implemented built-in, sorted by name (README, error messages).
std::vector<std::string_view> builtin_names();

// Calls `builtin` with `args` (checks the arity first).
Result<boost::json::value> call_builtin(const Builtin& builtin, std::span<const boost::json::value> args,
                                        const BuiltinContext& context);

}  // namespace wasmgate::abi::opa
