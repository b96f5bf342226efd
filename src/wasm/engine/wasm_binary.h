// Our own small reader of the wasm binary format: imports, exports and memories, read before any engine sees
// the bytes. It validates only the structure it reads (magic, version, section bounds, the sections it
// parses); full validation is the engine's compile. Engine-neutral, so a second engine reuses it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "wasm/engine/types.h"

namespace wasmgate::engine {

inline constexpr std::uint64_t kWasmPageBytes = 64 * 1024;
// The wasm32 address space: 65 536 pages of 64 KiB.
inline constexpr std::uint32_t kMaxWasm32Pages = 65536;

struct ModuleInfo {
  std::vector<FuncType> types;
  std::vector<ImportDesc> imports;
  std::vector<ExportDesc> exports;
  std::vector<Limits> memories;  // memories the module defines (imported ones are in `imports`)
  std::optional<std::uint32_t> start_function;

  const ExportDesc* find_export(std::string_view name) const;
  // "memory, execute, alloc" (declaration order), or "none".
  std::string export_names() const;
};

// Errors are Errc::PluginLoad, e.g. "invalid wasm: bad magic (expected \0asm)",
// "invalid wasm: section 2 (import) truncated at offset 0x1c".
Result<ModuleInfo> parse_module(std::span<const std::uint8_t> bytes);

// The export `name` of kind `kind`, else "export \"execute\" not found (exports: memory, run)" or
// "export \"memory\" is a func, expected a memory".
Result<const ExportDesc*> require_export(const ModuleInfo& info, std::string_view name, ExternKind kind);

// What a module asks of linear memory, for budgets such as Extism's memory.max_pages.
struct MemoryNeeds {
  bool has_memory = false;          // defines or imports a memory
  bool imported = false;            // its memory comes from an import
  std::uint64_t initial_pages = 0;  // min of memory 0
  std::optional<std::uint64_t> declared_max_pages;
};
MemoryNeeds memory_needs(const ModuleInfo& info);

struct CappedModule {
  std::vector<std::uint8_t> bytes;  // the rewritten module (a copy of the input when nothing changed)
  bool changed = false;
  MemoryNeeds before;           // as declared by the input
  std::uint64_t max_pages = 0;  // the max every defined memory now declares
};

// Rewrites the memory section so every defined memory declares max = min(declared max, max_pages);
// memory.grow beyond it then returns -1 in the guest. Imported memories are left alone (their exporter
// carries the cap). Fails with Errc::PluginLoad when a memory's initial size is already above max_pages
// ("memory 0 needs 36 pages but the cap is 4 pages"); callers wanting their own wording check memory_needs
// first.
Result<CappedModule> cap_memory_max(std::span<const std::uint8_t> bytes, std::uint32_t max_pages);

}  // namespace wasmgate::engine
