#include "wasm/engine/v8/v8_call.h"

#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

namespace {
bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}
}  // namespace

Failure classify_failure(V8Store& store, const v8::TryCatch& try_catch, StopReason reason, CallPhase phase) {
  if (try_catch.HasTerminated() || try_catch.Exception().IsEmpty()) {
    switch (reason) {
      case StopReason::Deadline:
        return make_failure(Outcome::Timeout, "guest call exceeded its deadline and was terminated");
      case StopReason::Terminate:
        return make_failure(Outcome::Terminated, "guest call terminated by the host");
      case StopReason::HeapLimit:
        return make_failure(Outcome::OutOfMemory, "engine heap limit reached; guest call terminated");
      case StopReason::None:
        break;
    }
    return make_failure(Outcome::Terminated, "guest execution terminated");
  }
  if (store.host_error()) return make_failure(Outcome::HostError, *store.host_error());

  std::string text = describe_exception(store.isolate(), try_catch.Exception());
  if (starts_with(text, "RangeError") && contains(text, "Out of memory")) {
    return make_failure(Outcome::OutOfMemory, std::move(text));
  }
  if (starts_with(text, "LinkError") || starts_with(text, "CompileError")) {
    return make_failure(Outcome::LinkError, std::move(text));
  }
  // During instantiation a TypeError comes from an import value V8 refuses (not callable, wrong global type).
  if (phase == CallPhase::Instantiate && starts_with(text, "TypeError")) {
    return make_failure(Outcome::LinkError, std::move(text));
  }
  // RuntimeError (unreachable, out of bounds, divide by zero…), RangeError (stack overflow), anything else.
  return make_failure(Outcome::Trap, std::move(text));
}

}  // namespace wasmgate::engine
