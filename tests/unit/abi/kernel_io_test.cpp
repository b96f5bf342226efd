// The kernel's accessors and input/output/error, as the host fast path uses them: wg_prepare_call to set the
// input, wg_state to read output and error without calls, and traps for out-of-range accesses.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "kernel_test_support.h"
#include "wasm/engine/wasm_binary.h"

namespace wasmgate::abi {
namespace {

using engine::Outcome;
using testing::KernelVm;
using testing::u64_value;

TEST(KernelIo, StoreThenLoadRoundTripsBytesAndLittleEndianWords) {
  KernelVm vm;
  const std::uint64_t h = vm.alloc(24);
  vm.store_u8(h, 0xab);
  vm.store_u8(h + 1, 0x1ff);                   // only the low byte is stored
  vm.store_u64(h + 3, 0x1122334455667788ULL);  // unaligned is fine
  EXPECT_EQ(vm.load_u8(h), 0xabu);
  EXPECT_EQ(vm.load_u8(h + 1), 0xffu);
  EXPECT_EQ(vm.load_u64(h + 3), 0x1122334455667788ULL);
  EXPECT_EQ(vm.load_u8(h + 3), 0x88u);
  EXPECT_EQ(vm.bytes_at(h + 3, 2), std::string("\x88\x77"));  // the host sees the same bytes
}

TEST(KernelIo, LoadsAndStoresOutsideTheHeapTrap) {
  KernelVm vm;
  const std::uint64_t end = vm.view().size;
  const std::uint64_t below_heap = vm.state().heap_start - 1;
  struct Case {
    const char* name;
    std::uint64_t p;
  };
  for (const Case& c : {Case{"load_u64", end - 7}, Case{"load_u64", end}, Case{"load_u8", end},
                        Case{"load_u8", below_heap}, Case{"load_u64", vm.state_address()},
                        Case{"load_u8", (std::uint64_t{1} << 32) + vm.state().heap_start},
                        Case{"load_u64", ~std::uint64_t{0}}}) {
    auto result = vm.call(c.name, {u64_value(c.p)});
    EXPECT_EQ(result.outcome(), Outcome::Trap) << c.name << "(" << c.p << ")";
  }
  EXPECT_EQ(vm.call("store_u8", {u64_value(end), engine::Value::i32(1)}).outcome(), Outcome::Trap);
  EXPECT_EQ(vm.call("store_u64", {u64_value(end - 4), u64_value(1)}).outcome(), Outcome::Trap);
  // A write aimed at the kernel's own state traps instead of corrupting it.
  EXPECT_EQ(vm.call("store_u64", {u64_value(vm.state_address()), u64_value(0)}).outcome(), Outcome::Trap);
  EXPECT_EQ(vm.state().heap_top, vm.state().heap_start);

  // The last valid word and byte of memory are reachable.
  EXPECT_EQ(vm.load_u64(end - 8), 0u);
  EXPECT_EQ(vm.load_u8(end - 1), 0u);
}

TEST(KernelIo, PrepareCallResetsAndPlacesTheInputWhereTheHostCopiesIt) {
  KernelVm vm;
  const std::uint64_t first = vm.alloc(50);
  const std::uint64_t second = vm.alloc(50);
  const std::string input = "{\"request\":{\"path\":\"/hello\"}}";  // 29 bytes
  const std::uint64_t at = vm.prepare_call(input.size());
  ASSERT_NE(at, 0u);
  EXPECT_EQ(at, first);  // reset happened first: the heap starts over
  EXPECT_EQ(vm.length(second), 0u);
  EXPECT_EQ(vm.memory_bytes(), 16u + 32u);  // header + 29 bytes rounded to 16, not to a size class
  auto dst = vm.view().slice(at, input.size());
  ASSERT_TRUE(dst.has_value());
  std::memcpy(dst->data(), input.data(), input.size());

  EXPECT_EQ(vm.call_ok("input_length", {}), input.size());
  EXPECT_EQ(vm.call_ok("input_offset", {}), at);
  EXPECT_EQ(vm.length(at), input.size());
  EXPECT_EQ(vm.call_ok("input_load_u8", {u64_value(0)}), std::uint64_t{'{'});
  std::uint64_t word;
  std::memcpy(&word, input.data() + 8, 8);
  EXPECT_EQ(vm.call_ok("input_load_u64", {u64_value(8)}), word);
  const KernelState state = vm.state();
  EXPECT_EQ(state.input_offset, at);
  EXPECT_EQ(state.input_length, input.size());
}

TEST(KernelIo, InputLoadsPastTheEndReadZeroLikeExtism) {
  KernelVm vm;
  const std::uint64_t at = vm.prepare_call(10);
  std::memset(vm.view().slice(at, 10)->data(), 0x5a, 10);
  EXPECT_EQ(vm.call_ok("input_load_u8", {u64_value(9)}), 0x5au);
  EXPECT_EQ(vm.call_ok("input_load_u8", {u64_value(10)}), 0u);
  EXPECT_EQ(vm.call_ok("input_load_u64", {u64_value(2)}), 0x5a5a5a5a5a5a5a5aULL);
  EXPECT_EQ(vm.call_ok("input_load_u64", {u64_value(3)}), 0u);  // 8 bytes would cross the end
  EXPECT_EQ(vm.call_ok("input_load_u64", {u64_value(~std::uint64_t{0} - 2)}), 0u);
  EXPECT_EQ(vm.call_ok("input_load_u8", {u64_value(~std::uint64_t{0})}), 0u);
}

TEST(KernelIo, EmptyInputIsNullWithLengthZero) {
  KernelVm vm;
  EXPECT_EQ(vm.prepare_call(0), 0u);
  EXPECT_EQ(vm.call_ok("input_length", {}), 0u);
  EXPECT_EQ(vm.call_ok("input_load_u8", {u64_value(0)}), 0u);
}

TEST(KernelIo, OutputSetByTheGuestIsReadFromWgStateWithoutCalls) {
  KernelVm vm;
  vm.prepare_call(4);
  const std::uint64_t out = vm.alloc_bytes("{\"result\":true}");
  vm.call_ok("output_set", {u64_value(out), u64_value(15)});
  const KernelState state = vm.state();
  EXPECT_EQ(state.output_offset, out);
  EXPECT_EQ(state.output_length, 15u);
  EXPECT_EQ(state.error_offset, 0u);
  EXPECT_EQ(vm.bytes_at(state.output_offset, state.output_length), "{\"result\":true}");
  EXPECT_EQ(vm.call_ok("output_offset", {}), out);
  EXPECT_EQ(vm.call_ok("output_length", {}), 15u);
}

TEST(KernelIo, ErrorSetRecordsTheMessageBlockAndItsLength) {
  KernelVm vm;
  const std::uint64_t msg = vm.alloc_bytes("plugin says no");
  vm.call_ok("error_set", {u64_value(msg)});
  KernelState state = vm.state();
  EXPECT_EQ(state.error_offset, msg);
  EXPECT_EQ(state.error_length, 14u);
  EXPECT_EQ(vm.bytes_at(state.error_offset, state.error_length), "plugin says no");
  EXPECT_EQ(vm.call_ok("error_get", {}), msg);

  vm.call_ok("error_set", {u64_value(0)});  // 0 clears
  state = vm.state();
  EXPECT_EQ(state.error_offset, 0u);
  EXPECT_EQ(state.error_length, 0u);
}

TEST(KernelIo, SettersIgnoreRangesOutsideTheHeap) {
  KernelVm vm;
  const std::uint64_t end = vm.view().size;
  vm.call_ok("output_set", {u64_value(end - 4), u64_value(8)});
  vm.call_ok("output_set", {u64_value(vm.state_address()), u64_value(8)});
  vm.call_ok("input_set", {u64_value(1), u64_value(1)});
  vm.call_ok("error_set", {u64_value(end + 1)});
  const KernelState state = vm.state();
  EXPECT_EQ(state.output_offset, 0u);
  EXPECT_EQ(state.output_length, 0u);
  EXPECT_EQ(state.input_offset, 0u);
  EXPECT_EQ(state.error_offset, 0u);
}

TEST(KernelIo, InputOutputAndErrorBlocksSurviveFreeUntilReset) {
  KernelVm vm;
  const std::uint64_t in = vm.prepare_call(32);
  const std::uint64_t out = vm.alloc_bytes("output!");
  const std::uint64_t err = vm.alloc_bytes("error!");
  vm.call_ok("output_set", {u64_value(out), u64_value(7)});
  vm.call_ok("error_set", {u64_value(err)});
  vm.free(in);
  vm.free(out);
  vm.free(err);
  EXPECT_EQ(vm.length(in), 32u);
  EXPECT_EQ(vm.length(out), 7u);
  EXPECT_EQ(vm.length(err), 6u);
  for (int i = 0; i < 3; ++i) {
    const std::uint64_t h = vm.alloc_bytes("xxxxxxx");  // would land on a freed block of that class
    EXPECT_NE(h, in);
    EXPECT_NE(h, out);
    EXPECT_NE(h, err);
  }
  EXPECT_EQ(vm.bytes_at(out, 7), "output!");
  EXPECT_EQ(vm.call_ok("input_length", {}), 32u);

  vm.reset();
  const KernelState state = vm.state();
  EXPECT_EQ(state.input_offset, 0u);
  EXPECT_EQ(state.input_length, 0u);
  EXPECT_EQ(state.output_offset, 0u);
  EXPECT_EQ(state.output_length, 0u);
  EXPECT_EQ(state.error_offset, 0u);
  EXPECT_EQ(state.error_length, 0u);
}

TEST(KernelIo, TheKernelKeepsWorkingAfterAGuestTrap) {
  KernelVm vm;
  const std::uint64_t h = vm.alloc(8);
  EXPECT_EQ(vm.call("load_u64", {u64_value(vm.view().size)}).outcome(), Outcome::Trap);
  vm.store_u64(h, 42);
  EXPECT_EQ(vm.load_u64(h), 42u);
}

}  // namespace
}  // namespace wasmgate::abi
