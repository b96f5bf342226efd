#include "wasm/abi/http_wasm/guest_buffer.h"

#include <fmt/format.h>

#include <cstring>

namespace wasmgate::abi::http_wasm {

Result<engine::MemoryView> guest_memory(engine::HostCall& call) {
  engine::Memory* memory = call.memory("memory");
  if (memory == nullptr) {
    return make_error(
        Errc::PluginTrap,
        "the http-wasm guest exports no memory \"memory\" (or called the host from a start section)");
  }
  return memory->view();
}

Result<std::string_view> read_guest(const engine::MemoryView& memory, std::uint32_t ptr, std::uint32_t len,
                                    std::string_view what) {
  if (len == 0) return std::string_view();
  auto bytes = memory.slice(ptr, len);
  if (!bytes) {
    return make_error(Errc::PluginTrap,
                      fmt::format("{} out of memory: [{}, {}) but the guest memory has {} bytes", what, ptr,
                                  std::uint64_t{ptr} + len, memory.size));
  }
  return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

Result<std::uint32_t> write_if_fits(const engine::MemoryView& memory, std::uint32_t buf,
                                    std::uint32_t buf_limit, std::string_view value, std::string_view what) {
  const auto length = static_cast<std::uint32_t>(value.size());
  if (value.empty() || value.size() > buf_limit) return length;  // too long: the guest may retry larger
  auto target = memory.slice(buf, value.size());
  if (!target) {
    return make_error(Errc::PluginTrap,
                      fmt::format("{} buffer out of memory: [{}, {}) but the guest memory has {} bytes", what,
                                  buf, std::uint64_t{buf} + value.size(), memory.size));
  }
  std::memcpy(target->data(), value.data(), value.size());
  return length;
}

std::uint64_t count_len(std::span<const std::string_view> values) {
  std::uint64_t bytes = values.size();  // one NUL each
  for (auto v : values) bytes += v.size();
  return (std::uint64_t{values.size()} << 32) | (bytes & 0xffffffffu);
}

Result<std::uint64_t> write_nul_terminated(const engine::MemoryView& memory, std::uint32_t buf,
                                           std::uint32_t buf_limit, std::span<const std::string_view> values,
                                           std::string_view what) {
  if (values.empty()) return std::uint64_t{0};
  const std::uint64_t result = count_len(values);
  const std::uint64_t bytes = result & 0xffffffffu;
  if (bytes > buf_limit) return result;  // nothing written: the guest may retry with a larger buffer
  auto target = memory.slice(buf, bytes);
  if (!target) {
    return make_error(Errc::PluginTrap,
                      fmt::format("{} buffer out of memory: [{}, {}) but the guest memory has {} bytes", what,
                                  buf, std::uint64_t{buf} + bytes, memory.size));
  }
  std::uint8_t* out = target->data();
  for (auto v : values) {
    std::memcpy(out, v.data(), v.size());
    out += v.size();
    *out++ = 0;
  }
  return result;
}

}  // namespace wasmgate::abi::http_wasm
