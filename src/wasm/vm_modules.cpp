#include "wasm/vm_modules.h"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "wasm/abi/extism/kernel_module.h"

namespace wasmgate::wasm {

std::uint32_t kernel_initial_pages() {
  static const std::uint32_t pages = [] {
    auto info = engine::parse_module(abi::extism_kernel_wasm());
    return info ? static_cast<std::uint32_t>(engine::memory_needs(*info).initial_pages) : 1u;
  }();
  return pages;
}

Result<MemorySplit> split_memory_budget(const engine::ModuleInfo& guest, std::uint32_t memory_pages) {
  const engine::MemoryNeeds needs = engine::memory_needs(guest);
  // An imported memory (OPA's env.memory) is provided and capped by whoever exports it.
  const std::uint64_t guest_initial = needs.has_memory && !needs.imported ? needs.initial_pages : 0;
  const std::uint32_t kernel_initial = kernel_initial_pages();
  if (guest_initial + kernel_initial > memory_pages) {
    return make_error(
        Errc::PluginLoad,
        fmt::format("module needs {} pages but memoryPages={} ({} initial pages of its memory + {} "
                    "for the Extism kernel; raise memoryPages)",
                    guest_initial + kernel_initial, memory_pages, guest_initial, kernel_initial));
  }
  MemorySplit split;
  split.budget_pages = memory_pages;
  split.guest_initial_pages = static_cast<std::uint32_t>(guest_initial);
  split.kernel_initial_pages = kernel_initial;
  split.guest_max_pages = memory_pages - kernel_initial;
  split.kernel_max_pages = memory_pages - split.guest_initial_pages;
  return split;
}

Result<VmModulesPtr> compile_vm_modules(engine::Engine& engine, std::span<const std::uint8_t> wasm,
                                        std::uint32_t memory_pages, std::string_view name) {
  auto prefixed = [&](Error error) {
    if (!name.empty()) error.message = fmt::format("{}: {}", name, error.message);
    return error;
  };
  auto info = engine::parse_module(wasm);
  if (!info) return prefixed(info.take_error());
  auto split = split_memory_budget(*info, memory_pages);
  if (!split) return prefixed(split.take_error());

  auto modules = std::make_shared<VmModules>();
  modules->split = *split;
  // A memory the guest imports (OPA's env.memory) is created and bounded by the hook that provides it: the
  // budget's cap would only refuse a policy whose declared minimum passes memoryPages minus the kernel's page.
  const std::optional<std::uint32_t> guest_cap =
      engine::memory_needs(*info).imported ? std::nullopt : std::optional(split->guest_max_pages);
  auto guest = engine.compile(wasm, engine::CompileOptions{guest_cap, std::string(name)});
  if (!guest) return guest.take_error();
  modules->guest = std::move(*guest);
  auto kernel = engine.compile(abi::extism_kernel_wasm(),
                               engine::CompileOptions{split->kernel_max_pages, "Extism kernel"});
  if (!kernel) return prefixed(kernel.take_error());
  modules->kernel = std::move(*kernel);
  return VmModulesPtr(std::move(modules));
}

}  // namespace wasmgate::wasm
