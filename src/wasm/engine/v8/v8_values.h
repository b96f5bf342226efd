// Conversions between engine-neutral values and V8's JS values at the wasm boundary (the JS API mapping: i32
// → Number, i64 → BigInt, f32/f64 → Number, references → null or an opaque BigInt token).
#pragma once

#include <v8.h>

#include <optional>
#include <string>
#include <string_view>

#include "wasm/engine/types.h"

namespace wasmgate::engine {

v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view text);
std::string to_std_string(v8::Isolate* isolate, v8::Local<v8::Value> value);
// "RuntimeError: unreachable"; never throws into V8 (falls back to a fixed text).
std::string describe_exception(v8::Isolate* isolate, v8::Local<v8::Value> exception);
// obj[name] when it is an object, else an empty handle.
v8::Local<v8::Object> get_object(v8::Local<v8::Context> context, v8::Local<v8::Object> obj,
                                 std::string_view name);

v8::Local<v8::Value> to_v8(v8::Isolate* isolate, const Value& value);
// Writes `value` as a `type` into `out`; false when it cannot be represented on the host side (a non-null
// funcref, a foreign externref). An out parameter, not an optional: on the host-call path the optional's
// piecewise store then 16-byte reload stalled store forwarding.
bool from_v8(v8::Local<v8::Value> value, ValType type, Value& out);

// V128 cannot cross the JS boundary; "v128 in (v128) -> () cannot cross the host boundary" or "".
std::string boundary_problem(const FuncType& type);

}  // namespace wasmgate::engine
