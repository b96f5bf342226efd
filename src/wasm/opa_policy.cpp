#include "wasm/opa_policy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <vector>

#include "wasm/abi/opa/opa_imports.h"
#include "wasm/abi/opa/opa_values.h"

namespace wasmgate::wasm {
namespace {

using engine::Value;

// What a one-shot evaluation needs from the module (OPA wasm ABI 1.2+).
constexpr std::string_view kRequiredExports[] = {"opa_malloc",       "opa_json_parse", "opa_json_dump",
                                                 "opa_heap_ptr_get", "opa_eval",       "builtins"};

Result<abi::opa::OpaImportOptions> import_options(const engine::ModuleInfo& info,
                                                  std::uint32_t memory_pages) {
  abi::opa::OpaImportOptions options;
  bool has_memory = false;
  for (const auto& import : info.imports) {
    if (import.module != "env") continue;
    if (import.name == "memory" && import.type.kind == engine::ExternKind::Memory) {
      has_memory = true;
      const engine::Limits& declared = import.type.limits;
      std::uint64_t initial = std::max<std::uint64_t>(memory_pages, declared.min);
      if (declared.max) initial = std::min(initial, *declared.max);
      options.memory.min = initial;
      options.memory.max =
          declared.max ? *declared.max : std::max<std::uint64_t>(initial, kOpaMaxMemoryPages);
    } else if (import.name == "opa_println" && import.type.kind == engine::ExternKind::Func) {
      options.println_i64 =
          import.type.func == engine::FuncType{{engine::ValType::I64}, {engine::ValType::I64}};
    }
  }
  if (!has_memory) {
    return make_error(
        Errc::PluginLoad,
        "opa is true but the module does not import env.memory: it is not an OPA policy (build it "
        "with `opa build -t wasm`, or set opa to false)");
  }
  return options;
}

abi::opa::GuestCall vm_calls(Vm& vm) {
  return [&vm](std::string_view name, std::span<const Value> args) { return vm.call_raw(name, args); };
}

// Once per VM: checks the ABI, resolves the built-ins the policy calls, parses the data document.
Result<void> load_policy(Vm& vm, abi::opa::OpaVmState& state) {
  const std::string prefix = vm.host_context().label() + ": ";
  engine::Instance& guest = vm.guest();
  if (auto major = guest.global_get("opa_wasm_abi_version"); major && major->as_i32() != 1) {
    return make_error(Errc::PluginLoad, fmt::format("{}OPA wasm ABI version {} is not supported (1.x is)",
                                                    prefix, major->as_i32()));
  }
  if (auto minor = guest.global_get("opa_wasm_abi_minor_version"); minor && minor->as_i32() < 2) {
    return make_error(
        Errc::PluginLoad,
        fmt::format("{}OPA wasm ABI 1.{} has no opa_eval: rebuild the policy with a recent `opa build` "
                    "(ABI 1.2+)",
                    prefix, minor->as_i32()));
  }
  std::vector<std::string_view> missing;
  for (std::string_view name : kRequiredExports) {
    if (!guest.func(name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    return make_error(Errc::PluginLoad, fmt::format("{}not an OPA policy (ABI 1.2+): missing export(s) {}",
                                                    prefix, fmt::join(missing, ", ")));
  }

  const abi::opa::GuestCall call = vm_calls(vm);
  auto fail = [&](const Error& error) {
    std::string_view message = error.message;
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());  // call_raw's errors carry it
    return make_error(error.code == Errc::BadRequest ? Errc::PluginLoad : error.code,
                      fmt::format("{}loading the OPA policy: {}", prefix, message));
  };
  auto builtins_address = abi::opa::call_i32(call, "builtins", {});
  if (!builtins_address) return fail(builtins_address.error());
  auto builtins = abi::opa::dump_json(call, *state.memory, *builtins_address);
  if (!builtins) return fail(builtins.error());
  if (!builtins->is_object())
    return fail(make_error(Errc::PluginLoad, "the builtins export is not an object"));
  std::vector<std::string> unknown;
  state.builtins.clear();
  for (const auto& [name, id] : builtins->get_object()) {
    const abi::opa::Builtin* builtin = abi::opa::find_builtin(name);
    if (builtin == nullptr) {
      unknown.emplace_back(name);
      continue;
    }
    if (!id.is_int64() || id.get_int64() < 0 || id.get_int64() > 65535) {
      return fail(
          make_error(Errc::PluginLoad, fmt::format("builtin {} has an invalid id", std::string(name))));
    }
    const auto index = static_cast<std::size_t>(id.get_int64());
    if (state.builtins.size() <= index) state.builtins.resize(index + 1, nullptr);
    state.builtins[index] = builtin;
  }
  if (!unknown.empty()) {
    return make_error(
        Errc::PluginLoad,
        fmt::format("{}the OPA policy calls built-in function(s) wasmgate does not implement: {} "
                    "(README, \"OPA policies\", lists the implemented ones)",
                    prefix, fmt::join(unknown, ", ")));
  }

  auto data = abi::opa::load_json(call, *state.memory, "{}");
  if (!data) return fail(data.error());
  auto heap = abi::opa::call_i32(call, "opa_heap_ptr_get", {});
  if (!heap) return fail(heap.error());
  state.data_address = *data;
  state.base_heap_pointer = *heap;
  state.loaded = true;
  return {};
}

// Makes env.memory large enough for [0, end), as OPA's own SDKs do before writing the input.
Result<void> ensure_memory(engine::Memory& memory, std::uint64_t end, std::string_view prefix) {
  const std::uint64_t size = memory.size_bytes();
  if (end <= size) return {};
  const std::uint64_t pages = (end - size + engine::kWasmPageBytes - 1) / engine::kWasmPageBytes;
  if (auto grown = memory.grow(static_cast<std::uint32_t>(pages)); !grown) {
    return make_error(Errc::PluginMemory,
                      fmt::format("{}the OPA input does not fit in env.memory: {}", prefix, grown.message()));
  }
  return {};
}

}  // namespace

ImportsHook opa_imports_hook(const VmModules& modules, std::uint32_t memory_pages) {
  auto options = import_options(modules.guest->info(), memory_pages);
  return [options = std::move(options)](engine::Imports& imports, abi::VmHostContext& context,
                                        engine::Store& store) -> Result<void> {
    if (!options) return options.error();
    return abi::opa::add_opa_imports(imports, context, store, *options);
  };
}

Result<void> load_opa_policy(Vm& vm) {
  abi::opa::OpaVmState* state = abi::opa::opa_state(vm.host_context());
  if (state == nullptr) {
    return make_error(Errc::PluginLoad, vm.host_context().label() +
                                            ": this plugin is not in OPA mode (set opa: true in its config)");
  }
  return state->loaded ? Result<void>() : load_policy(vm, *state);
}

Result<std::string> evaluate_opa(Vm& vm, std::string_view input) {
  const std::string prefix = vm.host_context().label() + ": ";
  // Loaded when the VM was created (the created hook); here for VMs made without it (tests, tools).
  if (auto loaded = load_opa_policy(vm); !loaded) return loaded.take_error();
  abi::opa::OpaVmState* state = abi::opa::opa_state(vm.host_context());
  state->builtin_context.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();

  // The input goes where the heap starts after loading; opa_eval allocates after it (heapPtr), so each
  // evaluation reuses the same region and nothing accumulates.
  const auto input_address = static_cast<std::uint32_t>(state->base_heap_pointer);
  if (std::uint64_t{input_address} + input.size() > static_cast<std::uint64_t>(INT32_MAX)) {
    return make_error(Errc::PluginMemory, prefix + "the OPA input is too large");
  }
  if (auto room = ensure_memory(*state->memory, std::uint64_t{input_address} + input.size(), prefix); !room) {
    return room.take_error();
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(input.data());
  if (auto written = state->memory->write(input_address, std::span(bytes, input.size())); !written) {
    return make_error(Errc::PluginMemory, prefix + written.error().message);
  }
  const auto input_length = static_cast<std::int32_t>(input.size());
  const Value args[] = {Value::i32(0),  // reserved
                        Value::i32(0),  // entrypoint 0: Otoroshi always evaluates the first one
                        Value::i32(state->data_address),
                        Value::i32(static_cast<std::int32_t>(input_address)),
                        Value::i32(input_length),
                        Value::i32(static_cast<std::int32_t>(input_address) + input_length),  // heap pointer
                        Value::i32(0)};  // result format: JSON
  auto result = abi::opa::call_i32(vm_calls(vm), "opa_eval", args);
  if (!result) return result.take_error();
  if (*result == 0) return make_error(Errc::PluginTrap, prefix + "opa_eval returned no result");
  auto text = abi::opa::read_c_string(*state->memory, static_cast<std::uint32_t>(*result),
                                      abi::opa::kMaxJsonBytes, "opa_eval result");
  if (!text) return make_error(Errc::PluginTrap, prefix + text.error().message);
  return text;
}

Result<bool> opa_result_allows(std::string_view result_set) {
  if (result_set.find_first_not_of(" \t\r\n") == std::string_view::npos) return false;
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(result_set, ec);
  if (ec) return make_error(Errc::BadRequest, "the OPA result set is not JSON: " + ec.message());
  if (!parsed.is_array() || parsed.get_array().empty() || !parsed.get_array()[0].is_object()) return false;
  const auto* decision = parsed.get_array()[0].get_object().if_contains("result");
  return decision != nullptr && decision->is_bool() && decision->get_bool();
}

}  // namespace wasmgate::wasm
