// The engine boundary (DESIGN §2): everything above wasm/engine sees these types and never the engine's own.
// An Engine compiles modules (shared by sha256) and makes Stores; see engine/v8/v8_engine.h for the factory.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "wasm/engine/module.h"
#include "wasm/engine/module_cache.h"
#include "wasm/engine/store.h"

namespace wasmgate::engine {

struct EngineOptions {
  // Directory for compiled code, keyed by sha256 (+ engine version). Empty = no on-disk cache.
  std::string code_cache_dir;
  // Process-wide backstop for any one memory, in pages (0 = engine default, 65 536). Per-module budgets are
  // applied with CompileOptions::max_memory_pages. [V8: --wasm-max-mem-pages, fixed by the first Engine.]
  std::uint32_t process_max_memory_pages = 0;
  // Background compile threads (0 = engine default: cores - 1). [V8: fixed by the first Engine.]
  int compile_threads = 0;
  // Extra engine flags, space separated (tests, experiments). [V8: applied once by the first Engine.]
  std::string extra_flags;
};

struct CompileOptions {
  // Caps the max of every memory the module defines (see cap_memory_max); the cache key is the rewritten
  // bytes.
  std::optional<std::uint32_t> max_memory_pages;
  // A name for messages ("plugin wasm-plugin_x"); compile errors are prefixed with it when set.
  std::string name;
};

struct EngineStats {
  ModuleCacheStats modules;
  std::uint64_t code_cache_loads = 0;    // modules built from the on-disk cache
  std::uint64_t code_cache_writes = 0;   // cache files written (after optimized compilation finished)
  std::uint64_t code_cache_rejects = 0;  // cache files the engine refused (version/flags changed, corrupt)
};

// Thread-safe. Implementations are compiled without RTTI: no dynamic_cast or typeid on these objects.
class Engine {
 public:
  virtual ~Engine();

  virtual std::string_view name() const = 0;  // "v8"
  virtual std::string version() const = 0;    // "V8 10.2.154.26-node.37"

  // Validates (our reader, then the engine), compiles once per sha256 and shares the result: concurrent
  // compiles of the same bytes wait for one compile. Errc::PluginLoad with the reason ("invalid wasm: bad
  // magic (expected \0asm)", "invalid wasm: CompileError: WebAssembly.Module(): …").
  Result<ModulePtr> compile(std::span<const std::uint8_t> bytes, const CompileOptions& options = {});

  virtual StorePtr new_store(const StoreOptions& options = {}) = 0;

  EngineStats stats() const;

  // Blocks until code-cache files for modules compiled so far are written (they are written in the background
  // once optimized code exists). False on timeout. For tests, tools and orderly shutdown.
  virtual bool wait_for_code_cache_writes(std::chrono::milliseconds timeout) = 0;

 protected:
  Engine() = default;
  // Compiles validated bytes; `sha256` is their hex digest.
  virtual Result<ModulePtr> compile_bytes(std::span<const std::uint8_t> bytes, ModuleInfo info,
                                          const std::string& sha256) = 0;
  virtual void add_code_cache_stats(EngineStats& stats) const = 0;

 private:
  ModuleCache cache_;
};

using EnginePtr = std::unique_ptr<Engine>;

}  // namespace wasmgate::engine
