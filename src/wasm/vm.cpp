#include "wasm/vm.h"

#include <fmt/format.h>

#include <utility>

#include "wasm/abi/extism/kernel_module.h"
#include "wasm/abi/extism/linker.h"
#include "wasm/abi/wasi/wasi_state.h"
#include "wasm/vm_http_client.h"

namespace wasmgate::wasm {
namespace {

Error load_error(const std::string& label, std::string_view what, std::string_view detail) {
  return make_error(Errc::PluginLoad, fmt::format("{}: {}{}", label, what, detail));
}

std::unique_ptr<abi::VmHostContext> make_context(VmSpec& spec) {
  auto context = std::make_unique<abi::VmHostContext>();
  context->plugin_id = std::move(spec.plugin_id);
  context->config = std::move(spec.config);
  context->allowed_hosts = std::move(spec.allowed_hosts);
  context->max_var_bytes = spec.max_var_bytes;
  context->max_http_response_bytes = spec.max_http_response_bytes;
  context->log_level = spec.log_level.value_or(abi::plugin_log_level_from_spdlog());
  context->http = spec.http ? std::move(spec.http) : default_http_client();
  return context;
}

// A kernel export that must exist (the embedded kernel is built with it): Internal otherwise.
Result<engine::FuncHandle> kernel_func(engine::Instance& kernel, std::string_view name) {
  auto f = kernel.func(name);
  if (!f) return make_error(Errc::Internal, fmt::format("the Extism kernel has no export {}", name));
  return *f;
}

}  // namespace

Result<std::unique_ptr<Vm>> Vm::create(engine::Engine& engine, VmSpec spec) {
  auto context = make_context(spec);
  const std::string label = context->label();
  VmModulesPtr modules = spec.modules;
  if (!modules) {
    if (spec.wasm.empty()) return load_error(label, "no wasm bytes", "");
    auto compiled = compile_vm_modules(engine, spec.wasm, spec.memory_pages, label);
    if (!compiled) return compiled.take_error();
    modules = std::move(*compiled);
  }

  std::unique_ptr<Vm> vm(new Vm());
  vm->modules_ = modules;
  vm->call_timeout_ = spec.call_timeout;
  vm->max_output_bytes_ = spec.max_output_bytes;
  vm->store_ = engine.new_store(engine::StoreOptions{label, 0});
  engine::StoreLock lock(*vm->store_);  // released before `vm` is returned or destroyed
  const engine::Deadline deadline = engine::deadline_after(spec.call_timeout);

  // The kernel first: the guest imports its exports.
  auto kernel = vm->store_->instantiate(modules->kernel, engine::Imports{});
  if (!kernel) return load_error(label, "cannot instantiate the Extism kernel: ", kernel.message());
  vm->kernel_ = std::move(*kernel);
  auto state = vm->kernel_->global_get(abi::kKernelStateGlobal);
  auto alloc = kernel_func(*vm->kernel_, "alloc");
  auto prepare = kernel_func(*vm->kernel_, abi::kKernelPrepareCall);
  vm->kernel_memory_ = vm->kernel_->memory(abi::kKernelMemoryExport);
  if (!state || !alloc || !prepare || vm->kernel_memory_ == nullptr) {
    return make_error(Errc::Internal, label +
                                          ": the embedded Extism kernel lacks wg_state, alloc, "
                                          "wg_prepare_call or memory");
  }
  vm->state_address_ = static_cast<std::uint32_t>(state->as_i32());
  vm->prepare_call_ = *prepare;
  context->kernel = vm->kernel_.get();
  context->kernel_memory = vm->kernel_memory_;
  context->state_address = vm->state_address_;
  context->kernel_alloc = *alloc;

  // Then the guest, against the kernel, the PDK host functions and whatever the hook adds.
  const engine::ModuleInfo& guest_info = modules->guest->info();
  const abi::ExtismLinkOptions link{spec.wasi, &context->refused_imports};  // filled by the hooks below
  engine::Imports imports;
  abi::add_extism_imports(imports, guest_info, *vm->kernel_, link);
  // WASI: the fd table and the allowedPaths preopens of this VM (a host directory that cannot be opened
  // fails the load, naming it).
  if (spec.wasi) {
    if (auto wasi = abi::install_wasi(*context, spec.allowed_paths); !wasi) {
      return load_error(label, "", wasi.error().message);
    }
  }
  for (const auto& hook : spec.import_hooks) {
    if (auto added = hook(imports, *context, *vm->store_); !added) {
      return load_error(label, "adding host functions: ", added.error().message);
    }
  }
  if (auto resolved = abi::check_imports_resolved(guest_info, imports, link); !resolved) {
    return load_error(label, "", resolved.error().message);
  }
  auto guest =
      vm->store_->instantiate(modules->guest, imports, engine::InstantiateOptions{context.get(), deadline});
  if (!guest) return load_error(label, "instantiating the module: ", guest.message());
  vm->guest_ = std::move(*guest);
  vm->kernel_initial_bytes_ = std::uint64_t{modules->split.kernel_initial_pages} * engine::kWasmPageBytes;
  // A memory the guest imports and re-exports (OPA's env.memory, as `opa build` emits it) belongs to the hook
  // that created it and is bounded by its own limits: it is outside the memoryPages budget and its checks.
  const engine::MemoryNeeds guest_needs = engine::memory_needs(guest_info);
  if (!guest_needs.imported) vm->guest_memory_ = vm->guest_->memory();
  if (guest_needs.has_memory && !guest_needs.imported) {
    vm->guest_max_bytes_ =
        guest_needs.declared_max_pages.value_or(modules->split.guest_max_pages) * engine::kWasmPageBytes;
  }
  vm->context_ = std::move(context);

  if (auto init = vm->run_initializers(deadline); !init) return init.take_error();
  for (const auto& hook : spec.created_hooks) {
    if (auto ready = hook(*vm); !ready) {
      Error error = ready.take_error();  // its message names the plugin already (the VM's calls prefix it)
      error.code = Errc::PluginLoad;     // whatever went wrong, this VM cannot serve
      return error;
    }
  }
  vm->stats_.created_at = vm->stats_.last_used = engine::Clock::now();
  vm->stats_.memory_budget_bytes = modules->split.budget_bytes();
  return vm;
}

Vm::~Vm() {
  // Instances before their store (engine rule); the host context outlives the guest that points at it.
  guest_.reset();
  kernel_.reset();
  store_.reset();
}

// Extism's order (spec §5.4): a Haskell guest gets _initialize then hs_init(0, 0); otherwise the first of
// __wasm_call_ctors, _initialize. Failures are load errors: the plugin cannot be used at all.
Result<void> Vm::run_initializers(engine::Deadline deadline) {
  auto run = [&](std::string_view name, std::span<const engine::Value> args) -> Result<void> {
    auto f = guest_->func(name);
    if (!f) return {};
    auto result = guest_->call(*f, args, deadline);
    if (!result) {
      return make_error(Errc::PluginLoad, fmt::format("{}running {}: {}", prefix(), name, result.message()));
    }
    return {};
  };
  if (guest_->func("hs_init")) {
    if (auto r = run("_initialize", {}); !r) return r;
    const engine::Value no_args[] = {engine::Value::i32(0), engine::Value::i32(0)};
    return run("hs_init", no_args);
  }
  if (guest_->func("__wasm_call_ctors")) return run("__wasm_call_ctors", {});
  return run("_initialize", {});
}

bool Vm::cancel() {
  return store_->terminate();
}

Vm::Pin::Pin(Vm& vm) : vm_(vm), lock_(*vm.store_) {
  if (vm_.pin_depth_.fetch_add(1, std::memory_order_relaxed) == 0) {
    vm_.pinned_by_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }
}

Vm::Pin::~Pin() {
  if (vm_.pin_depth_.fetch_sub(1, std::memory_order_relaxed) == 1) {
    vm_.pinned_by_.store(std::thread::id(), std::memory_order_relaxed);
  }
}

VmStats Vm::stats() {
  VmStats out = stats_;
  out.memory_bytes = memory_bytes();
  return out;
}

std::size_t Vm::memory_bytes() const {
  engine::StoreLock lock(*store_);
  return static_cast<std::size_t>(current_memory_bytes());
}

std::uint64_t Vm::current_memory_bytes() const {
  std::uint64_t bytes = kernel_memory_->view().size;
  if (guest_memory_ != nullptr) bytes += guest_memory_->view().size;
  return bytes;
}

std::string Vm::prefix() const {
  return context_->label() + ": ";
}

}  // namespace wasmgate::wasm
