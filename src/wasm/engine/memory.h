// Guest linear memory, reached only through checked views (STYLE "For wasmgate" 12): every ptr+len is checked
// in 64 bits against the current size, so a guest-supplied pointer can never make the host read or write
// outside.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

#include "core/error.h"
#include "wasm/engine/outcome.h"

namespace wasmgate::engine {

// A snapshot of a memory: base and size in bytes. Valid until the guest runs again or the memory grows (V8
// moves nothing in place today, but a grow detaches the old buffer; never keep a view across a call).
struct MemoryView {
  std::uint8_t* base = nullptr;
  std::uint64_t size = 0;

  // [ptr, ptr+len) lies inside the memory; no overflow is possible (len is compared against size - ptr).
  constexpr bool contains(std::uint64_t ptr, std::uint64_t len) const {
    return ptr <= size && len <= size - ptr;
  }

  std::optional<std::span<std::uint8_t>> slice(std::uint64_t ptr, std::uint64_t len) const {
    if (!contains(ptr, len)) return std::nullopt;
    return std::span<std::uint8_t>(base + ptr, static_cast<std::size_t>(len));
  }

  // Little-endian loads and stores of trivially copyable values (wasm is little-endian, so is x86-64).
  template <typename T>
  std::optional<T> load(std::uint64_t ptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!contains(ptr, sizeof(T))) return std::nullopt;
    T value;
    std::memcpy(&value, base + ptr, sizeof(T));
    return value;
  }
  template <typename T>
  bool store(std::uint64_t ptr, const T& value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!contains(ptr, sizeof(T))) return false;
    std::memcpy(base + ptr, &value, sizeof(T));
    return true;
  }
};

// A memory handle owned by its instance (or store). Methods enter the store, so call them from the thread
// that currently uses the store (a host function, or between calls).
class Memory {
 public:
  virtual ~Memory();

  // Fresh base + size (re-read after every grow).
  virtual MemoryView view() = 0;
  // Grows by `delta_pages`; returns the previous size in pages. OutOfMemory when the max (declared or capped)
  // or the address space forbids it.
  virtual CallResult<std::uint32_t> grow(std::uint32_t delta_pages) = 0;

  std::uint64_t size_bytes() { return view().size; }

  // Copies out of / into guest memory. Errc::BadRequest "memory read out of bounds: [ptr, ptr+len) but size
  // is N".
  Result<void> read(std::uint64_t ptr, std::span<std::uint8_t> out);
  Result<void> write(std::uint64_t ptr, std::span<const std::uint8_t> in);
};

}  // namespace wasmgate::engine
