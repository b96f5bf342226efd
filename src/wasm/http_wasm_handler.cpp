#include "wasm/http_wasm_handler.h"

#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <memory>

#include "wasm/abi/http_wasm/host_module.h"
#include "wasm/abi/wasi/wasi_state.h"

namespace wasmgate::wasm {
namespace {

namespace hw = abi::http_wasm;
using engine::ValType;

Result<hw::HttpWasmVmState*> vm_state(Vm& vm) {
  auto& extensions = vm.host_context().extensions;
  const auto it = extensions.find(hw::kExtensionName);
  if (it == extensions.end() || !it->second) {
    return make_error(Errc::Internal, fmt::format("{}: not an http-wasm VM (created without http_handler)",
                                                  vm.host_context().label()));
  }
  return std::static_pointer_cast<hw::HttpWasmVmState>(it->second).get();
}

// The guest's exports against the ABI, as http-wasm-host-go checks them when compiling a guest.
Result<void> check_exports(Vm& vm) {
  const std::string label = vm.host_context().label();
  auto check = [&](std::string_view name, const engine::FuncType& wanted) -> Result<void> {
    const auto f = vm.guest().func(name);
    if (!f)
      return make_error(Errc::PluginLoad, fmt::format("{}: http-wasm guest does not export {}", label, name));
    if (!(*f->type == wanted)) {
      return make_error(Errc::PluginLoad, fmt::format("{}: http-wasm export {} is func {}, expected {}",
                                                      label, name, f->type->to_string(), wanted.to_string()));
    }
    return {};
  };
  if (vm.guest_memory() == nullptr) {
    return make_error(Errc::PluginLoad,
                      fmt::format("{}: http-wasm guest does not export memory \"memory\"", label));
  }
  if (auto ok = check("handle_request", {{}, {ValType::I64}}); !ok) return ok;
  return check("handle_response", {{ValType::I32, ValType::I32}, {}});
}

// Once per VM: the checks, then `_start` (a WASI command's main, where TinyGo and Rust guests register their
// handler and enable features). Run when the VM is created (start_http_wasm_guest, the created hook), and
// checked again before a request for VMs made without it.
Result<void> start_once(Vm& vm, hw::HttpWasmVmState& state) {
  if (state.started) return {};
  if (auto ok = check_exports(vm); !ok) return ok;
  if (vm.guest().func("_start")) {
    auto started = vm.call_raw("_start", {});
    if (!started && abi::wasi_exit_code(vm.host_context()) == 0) {
      // A runtime that ends main with proc_exit(0) (Go's wasip1) has shut down: its instance cannot serve
      // handle_request (wazero closes such a module too). TinyGo and Rust guests return from _start.
      return make_error(
          Errc::PluginLoad,
          fmt::format("{}: _start ended with proc_exit(0); an http-wasm guest must return from _start "
                      "to handle requests",
                      vm.host_context().label()));
    }
    if (!started) return started.take_error();
  }
  state.started = true;
  return {};
}

// Makes `request` the guest's current request for the scope of one guest call.
class CurrentRequest {
 public:
  CurrentRequest(hw::HttpWasmVmState& state, hw::GuestRequest& request) : state_(state) {
    state_.current = &request;
  }
  ~CurrentRequest() { state_.current = nullptr; }
  CurrentRequest(const CurrentRequest&) = delete;
  CurrentRequest& operator=(const CurrentRequest&) = delete;

 private:
  hw::HttpWasmVmState& state_;
};

}  // namespace

std::string http_wasm_guest_config(const std::vector<std::pair<std::string, std::string>>& config) {
  if (config.empty()) return {};
  boost::json::object json;
  for (const auto& [key, value] : config) json[key] = value;
  return boost::json::serialize(json);
}

ImportsHook http_wasm_imports_hook(std::string guest_config) {
  return [guest_config = std::move(guest_config)](engine::Imports& imports, abi::VmHostContext& context,
                                                  engine::Store&) -> Result<void> {
    auto state = std::make_shared<hw::HttpWasmVmState>();
    state->config = guest_config;
    context.extensions[std::string(hw::kExtensionName)] = state;
    hw::add_http_handler_imports(imports, std::move(state), context);
    return {};
  };
}

Result<void> start_http_wasm_guest(Vm& vm) {
  auto state = vm_state(vm);
  if (!state) return state.take_error();
  return start_once(vm, **state);
}

HttpWasmDecision decode_ctx_next(std::int64_t ctx_next) {
  const auto bits = static_cast<std::uint64_t>(ctx_next);
  return HttpWasmDecision{(bits & 1u) != 0, static_cast<std::uint32_t>(bits >> 32)};
}

Result<HttpWasmDecision> http_wasm_handle_request(Vm& vm, hw::GuestRequest& request) {
  auto state = vm_state(vm);
  if (!state) return state.take_error();
  if (auto started = start_once(vm, **state); !started) return started.take_error();
  request.features = (*state)->features;
  request.begin_call(/*next_done=*/false);
  Result<std::vector<engine::Value>> results = [&] {
    const CurrentRequest current(**state, request);
    return vm.call_raw("handle_request", {});
  }();
  if (!results) return results.take_error();
  if (results->size() != 1 || results->front().type() != ValType::I64) {
    return make_error(Errc::PluginLoad,
                      vm.host_context().label() + ": handle_request did not return one i64");
  }
  return decode_ctx_next(results->front().as_i64());
}

Result<void> http_wasm_handle_response(Vm& vm, hw::GuestRequest& request, std::uint32_t ctx, bool is_error) {
  auto state = vm_state(vm);
  if (!state) return state.take_error();
  request.begin_call(/*next_done=*/true);
  const engine::Value args[] = {engine::Value::i32(static_cast<std::int32_t>(ctx)),
                                engine::Value::i32(is_error ? 1 : 0)};
  const CurrentRequest current(**state, request);
  auto done = vm.call_raw("handle_response", args);
  if (!done) return done.take_error();
  return {};
}

}  // namespace wasmgate::wasm
