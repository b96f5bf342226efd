// prepare_call_in_memory must leave the kernel exactly as its own wg_prepare_call does: two kernels driven
// through the same sequence — one prepared by the kernel, one by the host — hold identical state and heap
// bytes after every step, and keep allocating alike afterwards.
#include <gtest/gtest.h>

#include <string>

#include "kernel_test_support.h"

namespace wasmgate::abi {
namespace {

using testing::KernelVm;

// wg_state (public and private parts) and the heap below the highest top either kernel reached.
std::string kernel_bytes(KernelVm& vm) {
  const auto state = vm.state();
  std::string out = vm.bytes_at(vm.state_address(), kKernelStateFullBytes);
  const std::uint64_t dirty = *vm.view().load<std::uint32_t>(vm.state_address() + kKernelStateDirtyTop);
  const std::uint64_t end = std::max<std::uint64_t>(state.heap_top, dirty);
  out += vm.bytes_at(state.heap_start, end - state.heap_start);
  return out;
}

std::uint64_t host_prepare(KernelVm& vm, std::uint64_t n) {
  auto at = prepare_call_in_memory(vm.view(), vm.state_address(), n);
  EXPECT_TRUE(at.has_value()) << "input of " << n << " bytes";
  return at.value_or(0);
}

TEST(KernelPrepare, HostPrepareLeavesTheSameBytesAsTheKernels) {
  KernelVm by_kernel;
  KernelVm by_host;
  // Inputs of many sizes, each followed by guest-like work (allocs, frees, output) that dirties the heap.
  for (std::uint64_t n : {0ull, 1ull, 15ull, 16ull, 17ull, 1000ull, 3ull, 0ull, 4096ull, 64ull}) {
    EXPECT_EQ(by_kernel.prepare_call(n), host_prepare(by_host, n)) << n;
    ASSERT_EQ(kernel_bytes(by_kernel), kernel_bytes(by_host)) << "after preparing " << n << " bytes";
    for (KernelVm* vm : {&by_kernel, &by_host}) {
      const std::uint64_t a = vm->alloc(100);
      const std::uint64_t b = vm->alloc_bytes("output bytes");
      vm->free(a);
      vm->call_ok("output_set", {testing::u64_value(b), testing::u64_value(12)});
      vm->alloc(40);  // reuses a's block
    }
    ASSERT_EQ(kernel_bytes(by_kernel), kernel_bytes(by_host)) << "after guest work following " << n;
  }
}

TEST(KernelPrepare, LeavesGrowingToTheKernel) {
  KernelVm vm;
  const std::uint64_t size = vm.view().size;
  // A block that does not fit in the current memory: nothing is written, the caller calls the kernel.
  const std::string before = kernel_bytes(vm);
  EXPECT_FALSE(prepare_call_in_memory(vm.view(), vm.state_address(), size).has_value());
  EXPECT_EQ(kernel_bytes(vm), before);
  const std::uint64_t at = vm.prepare_call(size);  // the kernel grows its memory
  EXPECT_NE(at, 0u);
  EXPECT_EQ(vm.state().input_length, size);
  // Now that memory is large enough, the host path serves the same size.
  EXPECT_EQ(host_prepare(vm, size), at);
}

TEST(KernelPrepare, RefusesAStateItDoesNotKnow) {
  KernelVm vm;
  EXPECT_FALSE(prepare_call_in_memory(vm.view(), vm.state_address() + 8, 10).has_value());  // no magic there
  EXPECT_FALSE(prepare_call_in_memory(vm.view(), static_cast<std::uint32_t>(vm.view().size), 10).has_value());
}

}  // namespace
}  // namespace wasmgate::abi
