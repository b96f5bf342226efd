// Host functions: C++ callables that a guest imports. The boundary is noexcept: a returned Error or anything
// thrown becomes a trap in the guest (Outcome::HostError for the caller of the guest), never an exception
// unwinding through engine frames.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "wasm/engine/deadline.h"
#include "wasm/engine/types.h"

namespace wasmgate::engine {

class Instance;
class Memory;

// One invocation of a host function. Lives on the stack of the engine's trampoline; do not keep it.
class HostCall {
 public:
  HostCall(std::span<const Value> args, std::span<Value> results, Instance* caller, void* user_data,
           Deadline deadline)
      : args_(args), results_(results), caller_(caller), user_data_(user_data), deadline_(deadline) {}

  // Arguments, typed as the function's FuncType declares (checked by the engine before the callback runs).
  std::span<const Value> args() const { return args_; }
  const Value& arg(std::size_t i) const { return args_[i]; }
  // Result slots, pre-filled with zero values of the declared result types; overwrite them in place.
  std::span<Value> results() { return results_; }

  // The instance whose code called this import. While its start function runs, its exports (memory()) are
  // not available yet.
  Instance* caller() const { return caller_; }
  // The opaque pointer given to Store::instantiate for the calling instance.
  void* user_data() const { return user_data_; }
  // An exported memory of the calling instance, or nullptr.
  Memory* memory(std::string_view name = "memory") const;
  // The deadline of the outermost guest call (kNoDeadline if none). A host function that blocks must bound
  // its own wait by it: termination takes effect only when control returns to the guest.
  Deadline deadline() const { return deadline_; }

 private:
  std::span<const Value> args_;
  std::span<Value> results_;
  Instance* caller_;
  void* user_data_;
  Deadline deadline_;
};

// Returns ok, or an Error whose message becomes the trap message.
using HostCallback = std::function<Result<void>(HostCall& call)>;

struct HostFunction {
  std::string name;  // for messages and logs, e.g. "env.host_add"
  FuncType type;
  HostCallback callback;
};
using HostFunctionPtr = std::shared_ptr<const HostFunction>;

}  // namespace wasmgate::engine
