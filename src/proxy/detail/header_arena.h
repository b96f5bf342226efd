// A per-connection bump arena for the parsed header fields of one exchange (the client request and the backend
// response). Beast allocates one node per field plus the start line; with std::allocator that was ~11 malloc/free
// pairs per proxied request, a sixth of the proxy's instructions. Here they are pointer bumps, and reset()
// between requests frees them all at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

namespace wasmgate::proxy::detail {

class HeaderArena {
 public:
  // Typical heads (a dozen request and response fields) fit; larger ones spill to the heap, where deallocate()
  // really frees, so repeated header rewrites or a long run of 1xx answers cannot grow the arena without bound.
  static constexpr std::size_t kInlineBytes = 8 * 1024;

  HeaderArena() = default;
  HeaderArena(const HeaderArena&) = delete;
  HeaderArena& operator=(const HeaderArena&) = delete;

  void* allocate(std::size_t size, std::size_t align) {
    const std::size_t start = (used_ + align - 1) & ~(align - 1);
    if (start + size <= kInlineBytes) {
      used_ = start + size;
      return block_ + start;
    }
    return ::operator new(size, std::align_val_t{align});
  }
  void deallocate(void* p, std::size_t size, std::size_t align) noexcept {
    if (owns(p)) return;  // reclaimed by reset()
    ::operator delete(p, size, std::align_val_t{align});
  }
  // Only once nothing allocated from the inline block is alive any more.
  void reset() noexcept { used_ = 0; }

 private:
  bool owns(const void* p) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    const auto b = reinterpret_cast<std::uintptr_t>(block_);
    return a >= b && a < b + kInlineBytes;
  }

  alignas(std::max_align_t) std::byte block_[kInlineBytes];
  std::size_t used_ = 0;
};

// The allocator Beast's basic_fields gets: all copies point at one arena.
template <class T>
class ArenaAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;
  using is_always_equal = std::false_type;

  explicit ArenaAllocator(HeaderArena& arena) noexcept : arena_(&arena) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(std::size_t n) { return static_cast<T*>(arena_->allocate(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { arena_->deallocate(p, n * sizeof(T), alignof(T)); }
  HeaderArena* arena() const noexcept { return arena_; }

  template <class U>
  bool operator==(const ArenaAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }

 private:
  HeaderArena* arena_;
};

}  // namespace wasmgate::proxy::detail
