#include "wasm/engine/detail/wasm_sections.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "wasm/engine/detail/wasm_reader.h"

namespace wasmgate::engine::detail {

namespace {
constexpr std::uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
}

std::string_view section_name(std::uint8_t id) {
  static constexpr std::string_view kNames[] = {"custom", "type",   "import",     "function", "table",
                                                "memory", "global", "export",     "start",    "element",
                                                "code",   "data",   "data count", "tag"};
  return id < std::size(kNames) ? kNames[id] : "unknown";
}

Error invalid_wasm(std::string what) {
  return make_error(Errc::PluginLoad, "invalid wasm: " + std::move(what));
}

Error malformed_section(std::uint8_t id, std::size_t offset) {
  return invalid_wasm(
      fmt::format("section {} ({}) is malformed at offset {:#x}", id, section_name(id), offset));
}

Result<void> walk_sections(std::span<const std::uint8_t> bytes,
                           const std::function<Result<void>(const Section&)>& visit) {
  if (bytes.size() < kWasmHeaderBytes) {
    return invalid_wasm(
        fmt::format("too short ({} bytes; a module starts with \\0asm and a version)", bytes.size()));
  }
  if (!std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin())) {
    return invalid_wasm("bad magic (expected \\0asm)");
  }
  const std::uint32_t version =
      bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (static_cast<std::uint32_t>(bytes[7]) << 24);
  if (version != 1) return invalid_wasm(fmt::format("unsupported version {} (expected 1)", version));

  WasmReader top(bytes);
  top.skip(kWasmHeaderBytes);
  while (!top.at_end()) {
    Section s;
    s.header_offset = top.offset();
    s.id = *top.u8();
    auto size = top.u32();
    if (!size || *size > top.remaining()) {
      return invalid_wasm(fmt::format("section {} ({}) truncated at offset {:#x}", s.id, section_name(s.id),
                                      s.header_offset));
    }
    s.content_offset = top.offset();
    s.size = *size;
    top.skip(s.size);
    if (auto r = visit(s); !r) return r;
  }
  return {};
}

}  // namespace wasmgate::engine::detail
