#include "wasm/engine/types.h"

#include <cstring>

namespace wasmgate::engine {

std::string_view val_type_name(ValType type) {
  switch (type) {
    case ValType::I32:
      return "i32";
    case ValType::I64:
      return "i64";
    case ValType::F32:
      return "f32";
    case ValType::F64:
      return "f64";
    case ValType::V128:
      return "v128";
    case ValType::FuncRef:
      return "funcref";
    case ValType::ExternRef:
      return "externref";
  }
  return "?";
}

std::string_view extern_kind_name(ExternKind kind) {
  switch (kind) {
    case ExternKind::Func:
      return "func";
    case ExternKind::Table:
      return "table";
    case ExternKind::Memory:
      return "memory";
    case ExternKind::Global:
      return "global";
    case ExternKind::Tag:
      return "tag";
  }
  return "?";
}

namespace {

std::string type_list(const std::vector<ValType>& types) {
  std::string out = "(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i != 0) out += ", ";
    out += val_type_name(types[i]);
  }
  return out + ")";
}

}  // namespace

std::string FuncType::to_string() const {
  std::string out = type_list(params) + " -> ";
  if (results.size() == 1) return out + std::string(val_type_name(results[0]));
  return out + type_list(results);
}

std::string Limits::to_string() const {
  std::string out = "{min " + std::to_string(min);
  out += max ? ", max " + std::to_string(*max) : ", no max";
  if (shared) out += ", shared";
  return out + "}";
}

std::string GlobalType::to_string() const {
  return (is_mutable ? "mut " : "") + std::string(val_type_name(type));
}

std::string ExternType::to_string() const {
  std::string out(extern_kind_name(kind));
  switch (kind) {
    case ExternKind::Func:
    case ExternKind::Tag:
      return out + " " + func.to_string();
    case ExternKind::Memory:
      return out + " " + limits.to_string();
    case ExternKind::Global:
      return out + " " + global.to_string();
    case ExternKind::Table:
      return out + " " + std::string(val_type_name(table.element)) + " " + table.limits.to_string();
  }
  return out;
}

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case ValType::I32:
      return bits_.i32 == other.bits_.i32;
    case ValType::F32:
      return std::memcmp(&bits_.f32, &other.bits_.f32, sizeof(float)) == 0;
    default:
      return bits_.ref == other.bits_.ref;  // i64, f64 (bitwise), refs
  }
}

std::string Value::to_string() const {
  std::string out(val_type_name(type_));
  out += ':';
  switch (type_) {
    case ValType::I32:
      return out + std::to_string(bits_.i32);
    case ValType::I64:
      return out + std::to_string(bits_.i64);
    case ValType::F32:
      return out + std::to_string(bits_.f32);
    case ValType::F64:
      return out + std::to_string(bits_.f64);
    case ValType::V128:
      return out + "?";
    case ValType::FuncRef:
    case ValType::ExternRef:
      return out + (bits_.ref == 0 ? "null" : std::to_string(bits_.ref));
  }
  return out;
}

}  // namespace wasmgate::engine
