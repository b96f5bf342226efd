#include "wasm/engine/v8/v8_host.h"

#include <fmt/format.h>

#include <exception>
#include <memory>
#include <type_traits>
#include <vector>

#include "wasm/engine/v8/v8_instance.h"
#include "wasm/engine/v8/v8_store.h"
#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

namespace {

// Arguments and results live on the stack up to this many values (the Extism ABI uses at most 2).
constexpr std::size_t kInlineValues = 8;

// Storage for up to kInlineValues values, left unconstructed (Value is trivially copyable and destructible).
union InlineValues {
  InlineValues() {}
  Value values[kInlineValues];
};
static_assert(std::is_trivially_destructible_v<Value> && std::is_trivially_copyable_v<Value>);

// The noexcept wall: nothing thrown by a callback may unwind through V8 or JIT frames.
Result<void> invoke(const HostFunction& fn, HostCall& call) noexcept {
  try {
    return fn.callback(call);
  } catch (const std::exception& e) {
    return make_error(Errc::Internal, e.what());
  } catch (...) {
    return make_error(Errc::Internal, "unknown C++ exception");
  }
}

void fail(v8::Isolate* isolate, HostBinding& binding, const std::string& reason) {
  std::string message = fmt::format("host function {} failed: {}", binding.qualified_name, reason);
  if (isolate->IsExecutionTerminating()) return;  // a deadline is already unwinding the guest
  v8::Local<v8::String> text = v8_string(isolate, message);
  binding.store->set_host_error(std::move(message));
  isolate->ThrowException(v8::Exception::Error(text));
}

void set_return(const v8::FunctionCallbackInfo<v8::Value>& info, const Value& value) {
  v8::ReturnValue<v8::Value> ret = info.GetReturnValue();
  switch (value.type()) {
    case ValType::I32:
      ret.Set(value.as_i32());
      return;
    case ValType::F64:
      ret.Set(value.as_f64());
      return;
    default:
      ret.Set(to_v8(info.GetIsolate(), value));
      return;
  }
}

void trampoline(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto& binding = *static_cast<HostBinding*>(info.Data().As<v8::External>()->Value());
  v8::Isolate* isolate = info.GetIsolate();
  const FuncType& type = binding.fn->type;
  const std::size_t n_args = type.params.size();
  const std::size_t n_results = type.results.size();

  // Uninitialized inline slots: zeroing 2 x 8 values with `rep stos` cost more than the rest of the crossing.
  InlineValues inline_args, inline_results;
  std::vector<Value> heap_args, heap_results;
  std::span<Value> args(inline_args.values, std::min(n_args, kInlineValues));
  std::span<Value> results(inline_results.values, std::min(n_results, kInlineValues));
  if (n_args > kInlineValues) args = (heap_args.resize(n_args), std::span<Value>(heap_args));
  if (n_results > kInlineValues) results = (heap_results.resize(n_results), std::span<Value>(heap_results));

  for (std::size_t i = 0; i < n_args; ++i) {
    std::construct_at(&args[i]);
    if (!from_v8(info[static_cast<int>(i)], type.params[i], args[i])) {
      return fail(isolate, binding, fmt::format("argument {} is not a {}", i, val_type_name(type.params[i])));
    }
  }
  for (std::size_t i = 0; i < n_results; ++i) std::construct_at(&results[i], Value::zero(type.results[i]));

  V8Instance* caller = binding.importer;
  HostCall call(args, results, caller, caller ? caller->user_data() : nullptr,
                binding.store->current_deadline());
  Result<void> outcome = invoke(*binding.fn, call);
  if (!outcome) return fail(isolate, binding, outcome.error().message);
  // A nested guest call made by this callback may have failed with a host error the callback then handled.
  if (binding.store->host_error()) binding.store->clear_host_error();

  for (std::size_t i = 0; i < n_results; ++i) {
    if (results[i].type() != type.results[i]) {
      return fail(isolate, binding,
                  fmt::format("result {} is a {}, expected {}", i, val_type_name(results[i].type()),
                              val_type_name(type.results[i])));
    }
  }
  if (n_results == 1) return set_return(info, results[0]);
  if (n_results > 1) {
    std::vector<v8::Local<v8::Value>> elements(n_results);
    for (std::size_t i = 0; i < n_results; ++i) elements[i] = to_v8(isolate, results[i]);
    info.GetReturnValue().Set(v8::Array::New(isolate, elements.data(), n_results));
  }
}

void on_collected(const v8::WeakCallbackInfo<HostBinding>& data) {
  HostBinding* binding = data.GetParameter();
  binding->function.Reset();
  binding->store->forget_binding(binding);
}

}  // namespace

v8::Local<v8::Function> make_host_function(V8Store& store, v8::Local<v8::Context> context,
                                           std::unique_ptr<HostBinding> owned) {
  v8::Isolate* isolate = store.isolate();
  HostBinding* binding = store.add_binding(std::move(owned));
  v8::Local<v8::Function> fn;
  if (!v8::Function::New(context, trampoline, v8::External::New(isolate, binding),
                         static_cast<int>(binding->fn->type.params.size()), v8::ConstructorBehavior::kThrow)
           .ToLocal(&fn)) {
    store.forget_binding(binding);
    return {};
  }
  binding->function.Reset(isolate, fn);
  binding->function.SetWeak(binding, on_collected, v8::WeakCallbackType::kParameter);
  return fn;
}

}  // namespace wasmgate::engine
