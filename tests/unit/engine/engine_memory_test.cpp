#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using testing::compile_fixture;
using testing::instantiate;
using testing::shared_engine;

TEST(MemoryView, ChecksPointerAndLengthIn64Bits) {
  std::uint8_t bytes[16] = {};
  MemoryView view{bytes, sizeof bytes};
  EXPECT_TRUE(view.contains(0, 16));
  EXPECT_TRUE(view.contains(16, 0));
  EXPECT_FALSE(view.contains(17, 0));
  EXPECT_FALSE(view.contains(8, 9));
  EXPECT_FALSE(view.contains(1, UINT64_MAX));  // ptr + len would wrap around
  EXPECT_FALSE(view.contains(UINT64_MAX, 2));
  EXPECT_FALSE(view.load<std::uint64_t>(9));
  EXPECT_TRUE(view.store<std::uint64_t>(8, 0x0102030405060708ULL));
  EXPECT_EQ(*view.load<std::uint8_t>(8), 0x08);  // little-endian
  EXPECT_FALSE(view.slice(0, 17));
}

class EngineMemory : public ::testing::Test {
 protected:
  StorePtr store_ = shared_engine().new_store();
};

TEST_F(EngineMemory, ViewIsRefreshedAfterTheGuestGrowsMemory) {
  auto instance = instantiate(*store_, compile_fixture("host_add"), testing::host_add_imports());
  Memory* memory = instance->memory();
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->view().size, kWasmPageBytes);
  const Value two[] = {Value::i32(2)};
  EXPECT_EQ(instance->call("grow", two)->at(0), Value::i32(1));  // previous size in pages

  MemoryView after = memory->view();
  EXPECT_EQ(after.size, 3 * kWasmPageBytes);
  ASSERT_TRUE(after.store<std::uint32_t>(3 * kWasmPageBytes - 4, 0xdeadbeef));  // the new last word
  const Value last[] = {Value::i32(static_cast<std::int32_t>(3 * kWasmPageBytes - 4))};
  EXPECT_EQ(instance->call("load", last)->at(0), Value::i32(static_cast<std::int32_t>(0xdeadbeef)));
  EXPECT_EQ(store_->stats().memory_bytes, 3 * kWasmPageBytes);
}

TEST_F(EngineMemory, HostGrowReturnsThePreviousSize) {
  auto instance = instantiate(*store_, compile_fixture("host_add"), testing::host_add_imports());
  Memory* memory = instance->memory();
  EXPECT_EQ(*memory->grow(3), 1u);
  EXPECT_EQ(memory->size_bytes(), 4 * kWasmPageBytes);
  EXPECT_EQ(memory->grow(1).outcome(), Outcome::OutOfMemory);  // declared max 4
}

TEST_F(EngineMemory, ReadAndWriteRefuseOutOfBoundsRanges) {
  auto instance = instantiate(*store_, compile_fixture("host_add"), testing::host_add_imports());
  Memory* memory = instance->memory();
  std::uint8_t out[8];
  auto read = memory->read(kWasmPageBytes - 4, out);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().message, "memory read out of bounds: [65532, 65532+8) but size is 65536");
  const std::uint8_t in[4] = {1, 2, 3, 4};
  EXPECT_TRUE(memory->write(kWasmPageBytes - 4, in).ok());
  EXPECT_FALSE(memory->write(UINT64_MAX - 1, in).ok());
  EXPECT_TRUE(memory->read(kWasmPageBytes - 8, out).ok());
  EXPECT_EQ(out[7], 4);
}

TEST_F(EngineMemory, InstanceWithoutExportedMemoryHasNone) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  EXPECT_EQ(instance->memory(), nullptr);
  EXPECT_EQ(instance->memory("other"), nullptr);
}

}  // namespace
}  // namespace wasmgate::engine
