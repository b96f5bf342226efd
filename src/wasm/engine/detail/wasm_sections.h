// Walking the sections of a wasm binary, shared by the module reader and the memory-cap rewriter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wasmgate::engine::detail {

enum SectionId : std::uint8_t {
  kCustomSection = 0,
  kTypeSection = 1,
  kImportSection = 2,
  kFunctionSection = 3,
  kTableSection = 4,
  kMemorySection = 5,
  kGlobalSection = 6,
  kExportSection = 7,
  kStartSection = 8,
  kTagSection = 13,
};

inline constexpr std::size_t kWasmHeaderBytes = 8;

struct Section {
  std::uint8_t id = 0;
  std::size_t header_offset = 0;   // where the id byte is
  std::size_t content_offset = 0;  // first byte after the size
  std::size_t size = 0;
};

std::string_view section_name(std::uint8_t id);

// Errc::PluginLoad, "invalid wasm: <what>".
Error invalid_wasm(std::string what);
// "invalid wasm: section 2 (import) is malformed at offset 0x1c".
Error malformed_section(std::uint8_t id, std::size_t offset);

// Checks magic and version, then calls `visit` for each section in order; `visit` returns an error to stop.
Result<void> walk_sections(std::span<const std::uint8_t> bytes,
                           const std::function<Result<void>(const Section&)>& visit);

}  // namespace wasmgate::engine::detail
