#include "wasm/abi/opa/opa_imports.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "wasm/abi/opa/opa_values.h"
#include "wasm/engine/instance.h"

namespace wasmgate::abi::opa {
namespace {

using engine::ValType;
using engine::Value;

// Longest message read from opa_abort / opa_println (they are one-line diagnostics).
constexpr std::size_t kMaxMessageBytes = 4096;

Result<OpaVmState*> state_of(engine::HostCall& call) {
  auto context = host_context(call);
  if (!context) return context.take_error();
  OpaVmState* state = opa_state(**context);
  if (state == nullptr || state->memory == nullptr) {
    return make_error(Errc::Internal, "an OPA import was called on a VM without OPA state");
  }
  return state;
}

// Exports of the calling policy, called inside the current call (its deadline applies).
GuestCall guest_calls(engine::HostCall& call) {
  return [&call](std::string_view name, std::span<const Value> args) -> Result<std::vector<Value>> {
    engine::Instance* guest = call.caller();
    if (guest == nullptr) return make_error(Errc::Internal, "OPA import called with no calling instance");
    auto f = guest->func(name);
    if (!f) return make_error(Errc::PluginLoad, fmt::format("the policy has no export {}", name));
    auto results = guest->call(*f, args, call.deadline());
    if (!results) return results.take_failure().to_error();
    return std::move(*results);
  };
}

Result<void> opa_abort(engine::HostCall& call) {
  auto state = state_of(call);
  if (!state) return state.take_error();
  auto message = read_c_string(*(*state)->memory, static_cast<std::uint32_t>(call.arg(0).as_i32()),
                               kMaxMessageBytes, "opa_abort");
  return make_error(Errc::PluginTrap, "opa_abort: " + (message ? *message : message.error().message));
}

Result<void> opa_println(engine::HostCall& call) {
  auto state = state_of(call);
  if (!state) return state.take_error();
  if (!spdlog::should_log(spdlog::level::debug)) return {};
  // Otoroshi's (i64) -> i64 form carries the address in the low 32 bits (and returns 0).
  const auto address = static_cast<std::uint32_t>(call.arg(0).type() == ValType::I64 ? call.arg(0).as_i64()
                                                                                     : call.arg(0).as_i32());
  auto message = read_c_string(*(*state)->memory, address, kMaxMessageBytes, "opa_println");
  spdlog::debug("{}: opa_println: {}", (*host_context(call))->label(),
                message ? *message : message.error().message);
  return {};
}

// opa_builtinN: the arguments' JSON, the built-in, its result back as a value. A built-in's own error (a bad
// operand) makes its result undefined (0), which the compiled policy treats as OPA does: the expression is
// undefined. An unknown id, the wrong opa_builtinN or an unreadable value is an ABI failure: the call fails.
Result<void> opa_builtin(engine::HostCall& call, int arity) {
  auto state = state_of(call);
  if (!state) return state.take_error();
  const std::int32_t id = call.arg(0).as_i32();
  const Builtin* builtin = id >= 0 && static_cast<std::size_t>(id) < (*state)->builtins.size()
                               ? (*state)->builtins[static_cast<std::size_t>(id)]
                               : nullptr;
  if (builtin == nullptr) {
    return make_error(Errc::PluginTrap, fmt::format("opa_builtin{}: builtin id {} is not in the policy's "
                                                    "builtins export",
                                                    arity, id));
  }
  if (builtin->arity != arity) {  // the policy and wasmgate disagree on the built-in: not a bad operand
    return make_error(Errc::PluginTrap,
                      fmt::format("{} takes {} argument(s) but was called through opa_builtin{}",
                                  builtin->name, builtin->arity, arity));
  }
  const GuestCall guest = guest_calls(call);
  std::vector<boost::json::value> args;
  args.reserve(static_cast<std::size_t>(arity));
  for (int i = 0; i < arity; ++i) {
    auto arg = dump_json(guest, *(*state)->memory, call.arg(static_cast<std::size_t>(2 + i)).as_i32());
    if (!arg)
      return make_error(arg.error().code,
                        fmt::format("{}: argument {}: {}", builtin->name, i + 1, arg.error().message));
    args.push_back(std::move(*arg));
  }
  auto result = call_builtin(*builtin, args, (*state)->builtin_context);
  if (!result) {
    if (auto context = host_context(call)) {
      spdlog::debug("{}: OPA builtin {} is undefined: {}", (*context)->label(), builtin->name,
                    result.error().message);
    }
    call.results()[0] = Value::i32(0);
    return {};
  }
  auto value = load_json(guest, *(*state)->memory, boost::json::serialize(*result));
  if (!value)
    return make_error(value.error().code,
                      fmt::format("{}: returning the result: {}", builtin->name, value.error().message));
  call.results()[0] = Value::i32(*value);
  return {};
}

engine::FuncType i32_params(std::size_t count, std::vector<ValType> results) {
  return engine::FuncType{std::vector<ValType>(count, ValType::I32), std::move(results)};
}

}  // namespace

OpaVmState* opa_state(VmHostContext& context) {
  const auto it = context.extensions.find(kExtensionName);
  return it == context.extensions.end() ? nullptr : static_cast<OpaVmState*>(it->second.get());
}

Result<void> add_opa_imports(engine::Imports& imports, VmHostContext& context, engine::Store& store,
                             const OpaImportOptions& options) {
  auto memory = store.new_memory(options.memory);
  if (!memory) {
    return make_error(Errc::PluginMemory, fmt::format("cannot create env.memory {}: {}",
                                                      options.memory.to_string(), memory.message()));
  }
  auto state = std::make_shared<OpaVmState>();
  state->memory = store.memory(*memory);
  if (state->memory == nullptr) return make_error(Errc::Internal, "the store did not keep env.memory");
  imports.add("env", "memory", *memory);

  imports.add("env", "opa_abort", engine::HostFunction{"env.opa_abort", i32_params(1, {}), opa_abort});
  if (options.println_i64) {
    imports.add("env", "opa_println",
                engine::HostFunction{"env.opa_println", engine::FuncType{{ValType::I64}, {ValType::I64}},
                                     opa_println});
  } else {
    imports.add("env", "opa_println",
                engine::HostFunction{"env.opa_println", i32_params(1, {}), opa_println});
  }
  for (int arity = 0; arity <= 4; ++arity) {
    std::string name = fmt::format("opa_builtin{}", arity);
    imports.add(
        "env", name,
        engine::HostFunction{"env." + name, i32_params(static_cast<std::size_t>(2 + arity), {ValType::I32}),
                             [arity](engine::HostCall& call) { return opa_builtin(call, arity); }});
  }
  context.extensions[std::string(kExtensionName)] = std::move(state);
  return {};
}

}  // namespace wasmgate::abi::opa
