// The engine-neutral half of the boundary. This file is compiled with RTTI: it holds the out-of-line key
// functions (virtual destructors) of the polymorphic interfaces, so their vtables and type_info are emitted
// here and not in the -fno-rtti engine files (build-recipe-notes pitfall 2).
#include "wasm/engine/engine.h"

#include <fmt/format.h>

#include "core/hex.h"
#include "wasm/engine/host_function.h"
#include "wasm/engine/instance.h"
#include "wasm/engine/memory.h"

namespace wasmgate::engine {

Engine::~Engine() = default;
Module::~Module() = default;
Store::~Store() = default;
Instance::~Instance() = default;
Memory::~Memory() = default;

Result<ModulePtr> Engine::compile(std::span<const std::uint8_t> bytes, const CompileOptions& options) {
  auto prefixed = [&](Error error) {
    if (!options.name.empty()) error.message = options.name + ": " + error.message;
    return error;
  };

  std::vector<std::uint8_t> capped_bytes;
  if (options.max_memory_pages) {
    auto capped = cap_memory_max(bytes, *options.max_memory_pages);
    if (!capped) return prefixed(capped.take_error());
    if (capped->changed) {
      capped_bytes = std::move(capped->bytes);
      bytes = capped_bytes;
    }
  }
  auto info = parse_module(bytes);
  if (!info) return prefixed(info.take_error());

  const std::string sha256 = sha256_hex(bytes);
  auto module =
      cache_.get_or_compile(sha256, [&]() { return compile_bytes(bytes, std::move(*info), sha256); });
  if (!module) return prefixed(module.take_error());
  return module;
}

EngineStats Engine::stats() const {
  EngineStats out;
  out.modules = cache_.stats();
  add_code_cache_stats(out);
  return out;
}

CallResult<std::vector<Value>> Instance::call(std::string_view name, std::span<const Value> args,
                                              Deadline deadline) {
  auto f = func(name);
  if (!f) {
    return make_failure(Outcome::BadArgument,
                        fmt::format("export \"{}\" not found or not a function (exports: {})", name,
                                    module()->info().export_names()));
  }
  return call(*f, args, deadline);
}

Result<void> Memory::read(std::uint64_t ptr, std::span<std::uint8_t> out) {
  const MemoryView v = view();
  auto src = v.slice(ptr, out.size());
  if (!src) {
    return make_error(Errc::BadRequest, fmt::format("memory read out of bounds: [{}, {}+{}) but size is {}",
                                                    ptr, ptr, out.size(), v.size));
  }
  std::memcpy(out.data(), src->data(), out.size());
  return {};
}

Result<void> Memory::write(std::uint64_t ptr, std::span<const std::uint8_t> in) {
  const MemoryView v = view();
  auto dst = v.slice(ptr, in.size());
  if (!dst) {
    return make_error(Errc::BadRequest, fmt::format("memory write out of bounds: [{}, {}+{}) but size is {}",
                                                    ptr, ptr, in.size(), v.size));
  }
  std::memcpy(dst->data(), in.data(), in.size());
  return {};
}

Memory* HostCall::memory(std::string_view name) const {
  return caller_ ? caller_->memory(name) : nullptr;
}

}  // namespace wasmgate::engine
