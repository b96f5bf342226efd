// The kernel's allocator through the engine: alloc/length/free, reuse, invalid handles, reset, growth,
// limits.
#include <gtest/gtest.h>

#include <set>

#include "kernel_test_support.h"
#include "wasm/engine/wasm_binary.h"

namespace wasmgate::abi {
namespace {

using testing::KernelVm;

TEST(KernelAlloc, AllocReturnsAlignedHandlesWhoseLengthIsTheRequestedSize) {
  KernelVm vm;
  const std::uint64_t a = vm.alloc(1);
  const std::uint64_t b = vm.alloc(100);
  const std::uint64_t c = vm.alloc(4096);
  for (std::uint64_t h : {a, b, c}) {
    EXPECT_NE(h, 0u);
    EXPECT_EQ(h % kKernelBlockAlignBytes, 0u) << h;
  }
  EXPECT_EQ(vm.length(a), 1u);
  EXPECT_EQ(vm.length(b), 100u);
  EXPECT_EQ(vm.length(c), 4096u);
  EXPECT_EQ(vm.length_unsafe(b), 100u);
  EXPECT_GE(b, a + 1);  // no overlap
  EXPECT_GE(c, b + 100);
  EXPECT_EQ(a, vm.state().heap_start + kKernelBlockHeaderBytes);  // the first block opens the heap
}

TEST(KernelAlloc, AllocOfZeroBytesIsNull) {
  KernelVm vm;
  EXPECT_EQ(vm.alloc(0), 0u);
  EXPECT_EQ(vm.memory_bytes(), 0u);
}

TEST(KernelAlloc, LengthOfAnythingButALiveBlockIsZero) {
  KernelVm vm;
  const std::uint64_t h = vm.alloc(64);
  const KernelState state = vm.state();
  for (std::uint64_t bad : {std::uint64_t{0}, h + 1, h + 8, h + 16, h - 16, std::uint64_t{state.heap_start},
                            std::uint64_t{state.heap_top}, std::uint64_t{vm.state_address()}, vm.view().size,
                            vm.view().size + 16, std::uint64_t{1} << 32, ~std::uint64_t{0}}) {
    EXPECT_EQ(vm.length(bad), 0u) << bad;
    EXPECT_EQ(vm.length_unsafe(bad), 0u) << bad;
    EXPECT_FALSE(kernel_block(vm.view(), vm.state(), bad).has_value()) << bad;
  }
  vm.free(h);
  EXPECT_EQ(vm.length(h), 0u);
  EXPECT_EQ(vm.length_unsafe(h), 0u);
}

TEST(KernelAlloc, AFreedBlockIsReusedByTheNextAllocationOfItsSizeClass) {
  KernelVm vm;
  const std::uint64_t a = vm.alloc(100);
  const std::uint64_t guard = vm.alloc(8);
  vm.free(a);
  const std::uint64_t top = vm.state().heap_top;
  const std::uint64_t b = vm.alloc(97);  // same class as 100 (7 granules)
  EXPECT_EQ(b, a);
  EXPECT_EQ(vm.length(b), 97u);
  EXPECT_EQ(vm.state().heap_top, top);  // nothing new carved
  EXPECT_EQ(vm.length(guard), 8u);
}

TEST(KernelAlloc, FreeingTwiceOrFreeingGarbageChangesNothing) {
  KernelVm vm;
  const std::uint64_t a = vm.alloc(32);
  vm.free(a);
  vm.free(a);
  vm.free(a + 8);
  vm.free(0);
  vm.free(~std::uint64_t{0});
  const std::uint64_t b = vm.alloc(32);
  const std::uint64_t c = vm.alloc(32);
  EXPECT_EQ(b, a);
  EXPECT_NE(c, a);  // a was on the free list once, not twice
}

TEST(KernelAlloc, ResetFreesEveryBlockAndRewindsTheHeap) {
  KernelVm vm;
  const std::uint64_t first = vm.alloc(10);
  std::vector<std::uint64_t> handles = {first, vm.alloc(1000), vm.alloc(70000)};
  EXPECT_GT(vm.memory_bytes(), 71000u);
  vm.reset();
  EXPECT_EQ(vm.memory_bytes(), 0u);
  for (std::uint64_t h : handles) EXPECT_EQ(vm.length(h), 0u) << h;
  EXPECT_EQ(vm.alloc(10), first);  // the heap starts over
  vm.free(handles[1]);             // a handle from before the reset is not a block any more
  EXPECT_EQ(vm.length(first), 10u);
}

TEST(KernelAlloc, MemoryHandedOutAfterAResetReadsAsZero) {
  KernelVm vm;
  const std::uint64_t h = vm.alloc(256);
  for (std::uint64_t i = 0; i < 256; i += 8) vm.store_u64(h + i, ~std::uint64_t{0});
  vm.reset();
  const std::uint64_t again = vm.alloc(256);
  ASSERT_EQ(again, h);
  for (std::uint64_t i = 0; i < 256; i += 8) EXPECT_EQ(vm.load_u64(again + i), 0u) << i;
}

TEST(KernelAlloc, StaleHeadersFromBeforeAResetAreNotMistakenForBlocks) {
  KernelVm vm;
  vm.alloc(16);
  const std::uint64_t second = vm.alloc(16);  // its header sits inside the big block below
  vm.reset();
  const std::uint64_t big = vm.prepare_call(200);  // the input block is not zeroed (the host fills it)
  ASSERT_LT(big, second);
  EXPECT_EQ(vm.length(second), 0u);
  EXPECT_EQ(vm.length_unsafe(second), 0u);
}

TEST(KernelAlloc, BlocksBeyondTheFirstPageGrowMemory) {
  KernelVm vm;
  EXPECT_EQ(vm.view().size, engine::kWasmPageBytes);
  const std::uint64_t big = vm.alloc(3 * engine::kWasmPageBytes);
  ASSERT_NE(big, 0u);
  EXPECT_GE(vm.view().size, big + 3 * engine::kWasmPageBytes);
  const std::uint64_t last = big + 3 * engine::kWasmPageBytes - 8;
  vm.store_u64(last, 0x0123456789abcdefULL);
  EXPECT_EQ(vm.load_u64(last), 0x0123456789abcdefULL);
  EXPECT_EQ(vm.length(big), 3 * engine::kWasmPageBytes);

  // Small blocks keep working after the grow, and the grown memory is reused after a reset.
  const std::uint64_t small = vm.alloc(24);
  EXPECT_EQ(vm.length(small), 24u);
  const std::uint64_t size = vm.view().size;
  vm.reset();
  EXPECT_NE(vm.alloc(3 * engine::kWasmPageBytes), 0u);
  EXPECT_EQ(vm.view().size, size);
}

TEST(KernelAlloc, ABigFreeBlockIsSplitBeforeMemoryGrows) {
  KernelVm vm;
  const std::uint64_t page = engine::kWasmPageBytes;
  const std::uint64_t big = vm.alloc(40000);
  vm.free(big);
  // Fill the rest of the first page so the next blocks cannot be carved without growing.
  while (vm.state().heap_top + 2048 < page) ASSERT_NE(vm.alloc(1024), 0u);
  const std::uint64_t a = vm.alloc(3000);
  const std::uint64_t b = vm.alloc(3000);
  EXPECT_EQ(a, big);  // cut from the front of the freed block
  EXPECT_GT(b, a);
  EXPECT_LT(b, big + 40000);
  EXPECT_EQ(vm.view().size, page);
}

TEST(KernelAlloc, AllocationsBeyondTheMemoryCapFailWithNullAndLeaveTheKernelUsable) {
  engine::CompileOptions capped;
  capped.max_memory_pages = 4;
  KernelVm vm(capped);
  EXPECT_EQ(vm.alloc(4 * engine::kWasmPageBytes), 0u);
  EXPECT_EQ(vm.alloc(std::uint64_t{1} << 33), 0u);  // beyond wasm32
  EXPECT_EQ(vm.alloc(~std::uint64_t{0}), 0u);
  const std::uint64_t h = vm.alloc(2 * engine::kWasmPageBytes);
  EXPECT_NE(h, 0u);
  EXPECT_EQ(vm.length(h), 2 * engine::kWasmPageBytes);
  EXPECT_EQ(vm.alloc(2 * engine::kWasmPageBytes), 0u);  // would need a 5th page
  EXPECT_NE(vm.alloc(100), 0u);
}

TEST(KernelAlloc, MemoryBytesCountsHeadersAndCapacityHandedOutSinceReset) {
  KernelVm vm;
  vm.alloc(1);   // 16-byte header + 16-byte granule
  vm.alloc(20);  // header + 32
  EXPECT_EQ(vm.memory_bytes(), 16u + 16u + 16u + 32u);
}

TEST(KernelAlloc, HostSideBlockViewAgreesWithLength) {
  KernelVm vm;
  const std::uint64_t h = vm.alloc_bytes("hello kernel");
  auto block = kernel_block(vm.view(), vm.state(), h);
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(std::string(block->begin(), block->end()), "hello kernel");
  vm.free(h);
  EXPECT_FALSE(kernel_block(vm.view(), vm.state(), h).has_value());
}

}  // namespace
}  // namespace wasmgate::abi
