// Bounds-checked cursor over wasm bytes: LEB128, names, value types, limits. Each read reports failure by
// returning nullopt/false and remembering the offset, so callers can word one error per section.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasm/engine/types.h"

namespace wasmgate::engine::detail {

class WasmReader {
 public:
  WasmReader(std::span<const std::uint8_t> bytes, std::size_t base_offset = 0)
      : bytes_(bytes), base_(base_offset) {}

  std::size_t pos() const { return pos_; }
  std::size_t offset() const { return base_ + pos_; }  // absolute offset in the module, for messages
  bool at_end() const { return pos_ >= bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - pos_; }

  std::optional<std::uint8_t> u8() {
    if (pos_ >= bytes_.size()) return std::nullopt;
    return bytes_[pos_++];
  }
  bool skip(std::size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    auto out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // Unsigned LEB128 of at most `bits` bits.
  std::optional<std::uint64_t> uleb(unsigned bits = 32) {
    std::uint64_t result = 0;
    for (unsigned shift = 0; shift < bits + 7; shift += 7) {
      auto byte = u8();
      if (!byte) return std::nullopt;
      result |= static_cast<std::uint64_t>(*byte & 0x7f) << shift;
      if ((*byte & 0x80) == 0) {
        if (bits < 64 && (result >> bits) != 0) return std::nullopt;
        return result;
      }
    }
    return std::nullopt;  // too long
  }
  std::optional<std::uint32_t> u32() {
    auto v = uleb(32);
    if (!v) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
  }
  // Signed LEB128; only skipped (const expressions), so the value is not needed.
  bool skip_sleb(unsigned max_bytes) {
    for (unsigned i = 0; i < max_bytes; ++i) {
      auto byte = u8();
      if (!byte) return false;
      if ((*byte & 0x80) == 0) return true;
    }
    return false;
  }

  std::optional<std::string> name() {
    auto len = u32();
    if (!len || *len > remaining()) return std::nullopt;
    auto raw = take(*len);
    return std::string(raw.begin(), raw.end());
  }

  std::optional<ValType> val_type() {
    auto byte = u8();
    if (!byte) return std::nullopt;
    switch (*byte) {
      case 0x7f:
        return ValType::I32;
      case 0x7e:
        return ValType::I64;
      case 0x7d:
        return ValType::F32;
      case 0x7c:
        return ValType::F64;
      case 0x7b:
        return ValType::V128;
      case 0x70:
        return ValType::FuncRef;
      case 0x6f:
        return ValType::ExternRef;
      default:
        return std::nullopt;
    }
  }

  // Limits with the threads/memory64 flag bits (0x01 max, 0x02 shared, 0x04 64-bit).
  std::optional<Limits> limits() {
    auto flags = u8();
    if (!flags || (*flags & ~0x07) != 0) return std::nullopt;
    Limits out;
    out.shared = (*flags & 0x02) != 0;
    out.is64 = (*flags & 0x04) != 0;
    unsigned bits = out.is64 ? 64 : 32;
    auto min = uleb(bits);
    if (!min) return std::nullopt;
    out.min = *min;
    if (*flags & 0x01) {
      auto max = uleb(bits);
      if (!max) return std::nullopt;
      out.max = *max;
    }
    return out;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
};

// Appends `value` as unsigned LEB128.
inline void write_uleb(std::uint64_t value, std::vector<std::uint8_t>& out) {
  do {
    std::uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

}  // namespace wasmgate::engine::detail
