// An instantiated module inside a Store. Used by one thread at a time (the store's rule); destroy it before
// its store (if the store goes first, the instance is orphaned: every method then fails with
// Outcome::Internal).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "wasm/engine/deadline.h"
#include "wasm/engine/imports.h"
#include "wasm/engine/memory.h"
#include "wasm/engine/module.h"
#include "wasm/engine/outcome.h"
#include "wasm/engine/types.h"

namespace wasmgate::engine {

// An exported function, looked up once; valid for the life of its instance.
struct FuncHandle {
  std::uint32_t index = 0;         // position among the instance's function exports
  const FuncType* type = nullptr;  // owned by the module
};

// Implementations are compiled without RTTI (V8's rule): no dynamic_cast or typeid on these objects.
class Instance {
 public:
  virtual ~Instance();

  virtual const ModulePtr& module() const = 0;
  virtual void* user_data() const = 0;

  // The exported function `name`, or nullopt if there is none (or it is not a function).
  virtual std::optional<FuncHandle> func(std::string_view name) const = 0;

  // Calls `f` with `args` (checked against its type: BadArgument on mismatch) and returns its results.
  // The deadline terminates the call (Outcome::Timeout); the store stays usable for the next call.
  // Re-entrant: a host function may call back into any instance of the same store (a nested call shares the
  // outer call's deadline).
  virtual CallResult<std::vector<Value>> call(FuncHandle f, std::span<const Value> args,
                                              Deadline deadline = kNoDeadline) = 0;
  // Fast paths for the Extism convention, allocation-free: `() -> i32` and `() -> ()`.
  virtual CallResult<std::int32_t> call_i32(FuncHandle f, Deadline deadline = kNoDeadline) = 0;
  virtual CallResult<void> call_void(FuncHandle f, Deadline deadline = kNoDeadline) = 0;
  // `(i32) -> i32`, also allocation-free (the kernel's wg_prepare_call: one crossing per plugin call).
  virtual CallResult<std::int32_t> call_i32_i32(FuncHandle f, std::int32_t arg,
                                                Deadline deadline = kNoDeadline) = 0;

  // By name: BadArgument "export \"execute\" not found (exports: memory, run)" when missing.
  CallResult<std::vector<Value>> call(std::string_view name, std::span<const Value> args,
                                      Deadline deadline = kNoDeadline);

  // An exported memory, or nullptr (also during the instance's own start function). Owned by the instance:
  // valid while the instance and its store live.
  virtual Memory* memory(std::string_view name = "memory") = 0;

  // Exported globals. BadArgument if missing, immutable (set) or of another type (set).
  virtual CallResult<Value> global_get(std::string_view name) = 0;
  virtual CallResult<void> global_set(std::string_view name, const Value& value) = 0;

  // Any export as an Extern, to be imported by another instance of the same store.
  virtual std::optional<Extern> export_extern(std::string_view name) = 0;
};

using InstancePtr = std::unique_ptr<Instance>;

}  // namespace wasmgate::engine
