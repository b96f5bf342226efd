#include "wasm/engine/v8/v8_values.h"

#include <algorithm>

namespace wasmgate::engine {

v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .ToLocalChecked();
}

std::string to_std_string(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value utf8(isolate, value);
  return *utf8 != nullptr ? std::string(*utf8, utf8.length()) : std::string();
}

std::string describe_exception(v8::Isolate* isolate, v8::Local<v8::Value> exception) {
  if (exception.IsEmpty()) return "execution terminated";
  v8::TryCatch nested(isolate);  // ToString of a hostile object may throw: swallow it
  std::string text = to_std_string(isolate, exception);
  return text.empty() ? "unknown exception" : text;
}

v8::Local<v8::Object> get_object(v8::Local<v8::Context> context, v8::Local<v8::Object> obj,
                                 std::string_view name) {
  v8::Local<v8::Value> value;
  if (!obj->Get(context, v8_string(context->GetIsolate(), name)).ToLocal(&value) || !value->IsObject())
    return {};
  return value.As<v8::Object>();
}

v8::Local<v8::Value> to_v8(v8::Isolate* isolate, const Value& value) {
  switch (value.type()) {
    case ValType::I32:
      return v8::Integer::New(isolate, value.as_i32());
    case ValType::I64:
      return v8::BigInt::New(isolate, value.as_i64());
    case ValType::F32:
      return v8::Number::New(isolate, value.as_f32());
    case ValType::F64:
      return v8::Number::New(isolate, value.as_f64());
    case ValType::ExternRef:
      if (value.is_null_ref()) return v8::Null(isolate);
      return v8::BigInt::NewFromUnsigned(isolate, value.ref_token());
    case ValType::FuncRef:
    case ValType::V128:
      break;
  }
  return v8::Null(isolate);
}

bool from_v8(v8::Local<v8::Value> value, ValType type, Value& out) {
  switch (type) {
    case ValType::I32:
      if (value->IsInt32()) {
        out = Value::i32(value.As<v8::Int32>()->Value());
        return true;
      }
      // Wasm hands i32 over as Int32; a double here would come from a host value, wrapped like ToInt32.
      if (!value->IsNumber()) return false;
      out = Value::i32(static_cast<std::int32_t>(static_cast<std::int64_t>(value.As<v8::Number>()->Value())));
      return true;
    case ValType::I64:
      if (!value->IsBigInt()) return false;
      out = Value::i64(value.As<v8::BigInt>()->Int64Value());
      return true;
    case ValType::F32:
      if (!value->IsNumber()) return false;
      out = Value::f32(static_cast<float>(value.As<v8::Number>()->Value()));
      return true;
    case ValType::F64:
      if (!value->IsNumber()) return false;
      out = Value::f64(value.As<v8::Number>()->Value());
      return true;
    case ValType::ExternRef:
      if (value->IsNull()) {
        out = Value::externref(0);
        return true;
      }
      if (!value->IsBigInt()) return false;
      out = Value::externref(value.As<v8::BigInt>()->Uint64Value());
      return true;
    case ValType::FuncRef:
      if (!value->IsNull()) return false;
      out = Value::null_funcref();
      return true;
    case ValType::V128:
      return false;
  }
  return false;
}

std::string boundary_problem(const FuncType& type) {
  auto has_v128 = [](const std::vector<ValType>& types) {
    return std::find(types.begin(), types.end(), ValType::V128) != types.end();
  };
  if (has_v128(type.params) || has_v128(type.results)) {
    return "v128 in " + type.to_string() + " cannot cross the host boundary";
  }
  return {};
}

}  // namespace wasmgate::engine
