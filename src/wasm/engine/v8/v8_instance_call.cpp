// The call paths of V8Instance: the general one (any signature, boxed values) and the two allocation-free
// fast paths of the Extism convention, `() -> i32` and `() -> ()`.
#include <fmt/format.h>

#include "wasm/engine/v8/v8_call.h"
#include "wasm/engine/v8/v8_instance.h"
#include "wasm/engine/v8/v8_store.h"
#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

namespace {

constexpr std::size_t kInlineArgs = 8;

std::string type_list(std::span<const Value> values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += ", ";
    out += val_type_name(values[i].type());
  }
  return out + ")";
}

bool args_match(const FuncType& type, std::span<const Value> args) {
  if (args.size() != type.params.size()) return false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].type() != type.params[i]) return false;
  }
  return true;
}

CallResult<std::vector<Value>> convert_results(v8::Local<v8::Context> context, v8::Local<v8::Value> out,
                                               const FuncType& type) {
  std::vector<Value> results;
  results.reserve(type.results.size());
  auto take = [&](v8::Local<v8::Value> value, std::size_t i) -> bool {
    Value converted;
    if (!from_v8(value, type.results[i], converted)) return false;
    results.push_back(converted);
    return true;
  };
  bool ok = true;
  if (type.results.size() == 1) {
    ok = take(out, 0);
  } else if (type.results.size() > 1) {
    if (!out->IsArray()) return make_failure(Outcome::Internal, "multi-value result is not an array");
    auto array = out.As<v8::Array>();
    for (std::size_t i = 0; ok && i < type.results.size(); ++i) {
      v8::Local<v8::Value> element;
      ok = array->Get(context, static_cast<std::uint32_t>(i)).ToLocal(&element) && take(element, i);
    }
  }
  if (!ok) {
    return make_failure(
        Outcome::BadArgument,
        fmt::format("a result of {} cannot cross to the host (non-null reference)", type.to_string()));
  }
  return results;
}

}  // namespace

std::optional<Failure> V8Instance::check_handle(FuncHandle f) const {
  if (store_ == nullptr)
    return make_failure(Outcome::Internal, "instance used after its store was destroyed");
  if (f.index >= funcs_.size() || f.type != func_types_[f.index]) {
    return make_failure(Outcome::BadArgument, "function handle does not belong to this instance");
  }
  return std::nullopt;
}

CallResult<std::vector<Value>> V8Instance::call(FuncHandle f, std::span<const Value> args,
                                                Deadline deadline) {
  if (auto bad = check_handle(f)) return std::move(*bad);
  const FuncType& type = *f.type;
  if (!args_match(type, args)) {
    return make_failure(Outcome::BadArgument,
                        fmt::format("arguments {} do not match {}", type_list(args), type.to_string()));
  }
  if (auto problem = boundary_problem(type); !problem.empty())
    return make_failure(Outcome::BadArgument, problem);

  StoreScope scope(*store_);
  v8::Isolate* isolate = store_->isolate();
  v8::Local<v8::Context> context = scope.context();
  v8::Local<v8::Value> inline_argv[kInlineArgs];
  std::vector<v8::Local<v8::Value>> heap_argv;
  v8::Local<v8::Value>* argv = inline_argv;
  if (args.size() > kInlineArgs) {
    heap_argv.resize(args.size());
    argv = heap_argv.data();
  }
  for (std::size_t i = 0; i < args.size(); ++i) argv[i] = to_v8(isolate, args[i]);

  GuestCall guest(*store_, deadline);
  if (!guest.started()) return GuestCall::expired();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> out;
  if (!funcs_[f.index]
           .Get(isolate)
           ->Call(context, v8::Undefined(isolate), static_cast<int>(args.size()), argv)
           .ToLocal(&out)) {
    return guest.fail(try_catch);
  }
  guest.succeed();
  return convert_results(context, out, type);
}

CallResult<std::int32_t> V8Instance::call_i32(FuncHandle f, Deadline deadline) {
  if (auto bad = check_handle(f)) return std::move(*bad);
  const FuncType& type = *f.type;
  if (!type.params.empty() || type.results.size() != 1 || type.results[0] != ValType::I32) {
    return make_failure(Outcome::BadArgument,
                        "call_i32 needs () -> i32, the function is " + type.to_string());
  }
  return call_returning_i32(f, nullptr, deadline);
}

CallResult<std::int32_t> V8Instance::call_i32_i32(FuncHandle f, std::int32_t arg, Deadline deadline) {
  if (auto bad = check_handle(f)) return std::move(*bad);
  const FuncType& type = *f.type;
  const auto is_i32 = [](const std::vector<ValType>& types) { return types.size() == 1 && types[0] == ValType::I32; };
  if (!is_i32(type.params) || !is_i32(type.results)) {
    return make_failure(Outcome::BadArgument,
                        "call_i32_i32 needs (i32) -> i32, the function is " + type.to_string());
  }
  return call_returning_i32(f, &arg, deadline);
}

// The shared body of the i32 fast paths: no Value vector, an i32 crosses as a small integer (no BigInt).
CallResult<std::int32_t> V8Instance::call_returning_i32(FuncHandle f, const std::int32_t* arg,
                                                       Deadline deadline) {
  StoreScope scope(*store_);
  v8::Isolate* isolate = store_->isolate();
  GuestCall guest(*store_, deadline);
  if (!guest.started()) return GuestCall::expired();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> argv[1];
  if (arg != nullptr) argv[0] = v8::Integer::New(isolate, *arg);
  v8::Local<v8::Value> out;
  if (!funcs_[f.index]
           .Get(isolate)
           ->Call(scope.context(), v8::Undefined(isolate), arg != nullptr ? 1 : 0, argv)
           .ToLocal(&out)) {
    return guest.fail(try_catch);
  }
  guest.succeed();
  if (out->IsInt32()) return out.As<v8::Int32>()->Value();
  return out->Int32Value(scope.context()).FromMaybe(0);
}

CallResult<void> V8Instance::call_void(FuncHandle f, Deadline deadline) {
  if (auto bad = check_handle(f)) return std::move(*bad);
  const FuncType& type = *f.type;
  if (!type.params.empty() || !type.results.empty()) {
    return make_failure(Outcome::BadArgument,
                        "call_void needs () -> (), the function is " + type.to_string());
  }
  StoreScope scope(*store_);
  v8::Isolate* isolate = store_->isolate();
  GuestCall guest(*store_, deadline);
  if (!guest.started()) return GuestCall::expired();
  v8::TryCatch try_catch(isolate);
  if (funcs_[f.index].Get(isolate)->Call(scope.context(), v8::Undefined(isolate), 0, nullptr).IsEmpty()) {
    return guest.fail(try_catch);
  }
  guest.succeed();
  return {};
}

}  // namespace wasmgate::engine
