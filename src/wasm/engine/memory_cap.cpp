// cap_memory_max (declared in wasm_binary.h): V8 cannot limit a store's memory in bytes at grow time, so the
// budget is written into the module itself. A declared maximum is enforced by every engine: memory.grow past
// it returns -1 in the guest, and the host-side grow fails. The process-wide --wasm-max-mem-pages is a
// backstop.
#include <fmt/format.h>

#include <algorithm>

#include "wasm/engine/detail/wasm_reader.h"
#include "wasm/engine/detail/wasm_sections.h"
#include "wasm/engine/wasm_binary.h"

namespace wasmgate::engine {

using detail::Section;
using detail::WasmReader;

namespace {

// Re-encodes a memory section with every max capped; fails when a memory's initial size is above the cap.
Result<std::vector<std::uint8_t>> capped_memory_section(std::span<const std::uint8_t> content,
                                                        std::size_t offset, std::uint32_t max_pages) {
  WasmReader r(content, offset);
  auto count = r.u32();
  if (!count) return detail::malformed_section(detail::kMemorySection, r.offset());
  std::vector<std::uint8_t> out;
  detail::write_uleb(*count, out);
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto limits = r.limits();
    if (!limits) return detail::malformed_section(detail::kMemorySection, r.offset());
    if (limits->min > max_pages) {
      return make_error(Errc::PluginLoad, fmt::format("memory {} needs {} pages but the cap is {} pages", i,
                                                      limits->min, max_pages));
    }
    const std::uint64_t max = std::min<std::uint64_t>(limits->max.value_or(max_pages), max_pages);
    out.push_back(static_cast<std::uint8_t>(0x01 | (limits->shared ? 0x02 : 0) | (limits->is64 ? 0x04 : 0)));
    detail::write_uleb(limits->min, out);
    detail::write_uleb(max, out);
  }
  if (!r.at_end()) return detail::malformed_section(detail::kMemorySection, r.offset());
  return out;
}

}  // namespace

Result<CappedModule> cap_memory_max(std::span<const std::uint8_t> bytes, std::uint32_t max_pages) {
  auto info = parse_module(bytes);
  if (!info) return info.take_error();

  CappedModule capped;
  capped.before = memory_needs(*info);
  capped.max_pages = max_pages;
  if (capped.before.imported && capped.before.initial_pages > max_pages) {
    return make_error(Errc::PluginLoad, fmt::format("imported memory needs {} pages but the cap is {} pages",
                                                    capped.before.initial_pages, max_pages));
  }

  std::optional<Section> memory_section;
  auto walked = detail::walk_sections(bytes, [&](const Section& s) -> Result<void> {
    if (s.id == detail::kMemorySection) memory_section = s;
    return {};
  });
  if (!walked) return walked.take_error();

  const bool already_capped = std::all_of(info->memories.begin(), info->memories.end(),
                                          [&](const Limits& l) { return l.max && *l.max <= max_pages; });
  if (!memory_section || already_capped) {
    capped.bytes.assign(bytes.begin(), bytes.end());
    return capped;
  }

  auto content = capped_memory_section(bytes.subspan(memory_section->content_offset, memory_section->size),
                                       memory_section->content_offset, max_pages);
  if (!content) return content.take_error();

  auto& out = capped.bytes;
  out.reserve(bytes.size() + 16);
  out.assign(bytes.begin(), bytes.begin() + memory_section->header_offset);
  out.push_back(detail::kMemorySection);
  detail::write_uleb(content->size(), out);
  out.insert(out.end(), content->begin(), content->end());
  out.insert(out.end(), bytes.begin() + memory_section->content_offset + memory_section->size, bytes.end());
  capped.changed = true;
  return capped;
}

}  // namespace wasmgate::engine
