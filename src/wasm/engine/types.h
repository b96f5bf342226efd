// WebAssembly types and values as the engine boundary sees them: engine-neutral (no V8 type), small,
// copyable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wasmgate::engine {

enum class ValType : std::uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef };

// "i32", "externref"…
std::string_view val_type_name(ValType type);

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;

  bool operator==(const FuncType&) const = default;
  // "(i32, i32) -> i32", "() -> ()".
  std::string to_string() const;
};

// Limits of a memory (in 64 KiB pages) or a table (in elements).
struct Limits {
  std::uint64_t min = 0;
  std::optional<std::uint64_t> max;
  bool shared = false;
  bool is64 = false;

  bool operator==(const Limits&) const = default;
  // "{min 1, max 16}" or "{min 1, no max}".
  std::string to_string() const;
};

struct GlobalType {
  ValType type = ValType::I32;
  bool is_mutable = false;

  bool operator==(const GlobalType&) const = default;
  std::string to_string() const;  // "mut i32"
};

struct TableType {
  ValType element = ValType::FuncRef;
  Limits limits;

  bool operator==(const TableType&) const = default;
};

enum class ExternKind : std::uint8_t { Func, Table, Memory, Global, Tag };

std::string_view extern_kind_name(ExternKind kind);

// The type of anything that can be imported or exported; only the member matching `kind` is meaningful.
struct ExternType {
  ExternKind kind = ExternKind::Func;
  FuncType func;      // Func and Tag
  Limits limits;      // Memory
  TableType table;    // Table
  GlobalType global;  // Global

  static ExternType of(ExternKind kind) {
    ExternType type;
    type.kind = kind;
    return type;
  }
  // "func (i32) -> i32", "memory {min 1, max 4}", "global mut i64", "table funcref {min 2, no max}".
  std::string to_string() const;
};

struct ImportDesc {
  std::string module;
  std::string name;
  ExternType type;

  std::string qualified_name() const { return module + "." + name; }
};

struct ExportDesc {
  std::string name;
  ExternType type;
  std::uint32_t index = 0;  // index in its kind's index space (imports first)
};

// A wasm value. References cross the host boundary as opaque 64-bit tokens: 0 is ref.null; a host may pass
// any other token as an externref and gets the same token back. Non-null funcrefs cannot leave the engine.
class Value {
 public:
  constexpr Value() : type_(ValType::I32), bits_{} {}

  static constexpr Value i32(std::int32_t v) {
    Value x(ValType::I32);
    x.bits_.i32 = v;
    return x;
  }
  static constexpr Value i64(std::int64_t v) {
    Value x(ValType::I64);
    x.bits_.i64 = v;
    return x;
  }
  static constexpr Value f32(float v) {
    Value x(ValType::F32);
    x.bits_.f32 = v;
    return x;
  }
  static constexpr Value f64(double v) {
    Value x(ValType::F64);
    x.bits_.f64 = v;
    return x;
  }
  static constexpr Value externref(std::uint64_t token) {
    Value x(ValType::ExternRef);
    x.bits_.ref = token;
    return x;
  }
  static constexpr Value null_funcref() { return Value(ValType::FuncRef); }
  // The zero value of `type` (0, 0.0 or ref.null): what a result slot holds before a host function fills it.
  static constexpr Value zero(ValType type) { return Value(type); }

  constexpr ValType type() const { return type_; }
  constexpr std::int32_t as_i32() const { return bits_.i32; }
  constexpr std::int64_t as_i64() const { return bits_.i64; }
  constexpr float as_f32() const { return bits_.f32; }
  constexpr double as_f64() const { return bits_.f64; }
  constexpr std::uint64_t ref_token() const { return bits_.ref; }
  constexpr bool is_null_ref() const { return bits_.ref == 0; }

  bool operator==(const Value& other) const;
  std::string to_string() const;  // "i32:42", "externref:null"

 private:
  constexpr explicit Value(ValType type) : type_(type), bits_{} { bits_.ref = 0; }

  ValType type_;
  union Bits {
    std::int32_t i32;
    std::int64_t i64;
    float f32;
    double f64;
    std::uint64_t ref;
  } bits_;
};

}  // namespace wasmgate::engine
