// How a guest operation ended: a closed enum (like proxy-wasm's FailState) plus a message for humans.
// Pools use the kind to decide whether the VM is still usable; Errc is derived from it at the layer edge.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/error.h"

namespace wasmgate::engine {

enum class Outcome : std::uint8_t {
  Ok,
  Trap,         // the guest trapped: unreachable, out-of-bounds access, stack overflow, division by zero…
  Timeout,      // the call ran past its deadline and was terminated
  Terminated,   // Store::terminate() stopped the call from another thread
  OutOfMemory,  // a memory or the isolate heap could not grow (instantiate, host-side grow, JS heap limit)
  HostError,    // a host function returned an error or threw
  LinkError,    // instantiation failed: missing or mismatched import, start function failed to link
  BadArgument,  // wrong arguments from the host: unknown export, arity/type mismatch, value not representable
  Internal,     // the engine failed in a way that should not happen
};

std::string_view outcome_name(Outcome outcome);

// After one of these the VM's state is suspect (guest invariants may be broken mid-way): recycle it.
constexpr bool outcome_poisons_vm(Outcome outcome) {
  return outcome != Outcome::Ok && outcome != Outcome::BadArgument;
}

// Trap → PluginTrap, Timeout/Terminated → PluginTimeout, OutOfMemory → PluginMemory, LinkError → PluginLoad…
Errc outcome_errc(Outcome outcome);

struct Failure {
  Outcome outcome = Outcome::Internal;
  std::string message;  // includes the engine's own text, e.g. "RuntimeError: unreachable"

  Error to_error() const { return Error{outcome_errc(outcome), message}; }
};

inline Failure make_failure(Outcome outcome, std::string message) {
  return Failure{outcome, std::move(message)};
}

// A value or a Failure. Mirrors wasmgate::Result but keeps the engine's closed outcome.
template <typename T>
class [[nodiscard]] CallResult {
 public:
  CallResult(T value) : v_(std::move(value)) {}
  CallResult(Failure failure) : v_(std::move(failure)) { assert(failure_ref().outcome != Outcome::Ok); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  Outcome outcome() const { return ok() ? Outcome::Ok : failure_ref().outcome; }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Failure& failure() const {
    assert(!ok());
    return failure_ref();
  }
  Failure&& take_failure() {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }
  // "" when ok.
  const std::string& message() const {
    static const std::string kEmpty;
    return ok() ? kEmpty : failure_ref().message;
  }

 private:
  const Failure& failure_ref() const { return std::get<1>(v_); }
  std::variant<T, Failure> v_;
};

template <>
class [[nodiscard]] CallResult<void> {
 public:
  CallResult() = default;
  CallResult(Failure failure) : failure_(std::move(failure)) {}

  bool ok() const { return !failure_.has_value(); }
  explicit operator bool() const { return ok(); }
  Outcome outcome() const { return ok() ? Outcome::Ok : failure_->outcome; }
  const Failure& failure() const {
    assert(!ok());
    return *failure_;
  }
  Failure&& take_failure() {
    assert(!ok());
    return std::move(*failure_);
  }
  const std::string& message() const {
    static const std::string kEmpty;
    return ok() ? kEmpty : failure_->message;
  }

 private:
  std::optional<Failure> failure_;
};

}  // namespace wasmgate::engine
