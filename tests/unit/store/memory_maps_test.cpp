#include "store/memory_maps.h"

#include <gtest/gtest.h>

namespace wasmgate::store {
namespace {

TEST(MemoryMaps, SetGetDelAndWholeMaps) {
  MemoryMaps maps;
  EXPECT_EQ(maps.entries("global"), std::nullopt);  // never existed
  ASSERT_TRUE(maps.set("global", "k", "v").ok());
  ASSERT_TRUE(maps.set("plugin-a", "k", "other").ok());
  EXPECT_EQ(maps.get("global", "k"), "v");
  EXPECT_EQ(maps.get("plugin-a", "k"), "other");
  EXPECT_EQ(maps.get("global", "missing"), std::nullopt);
  EXPECT_TRUE(maps.del("global", "k"));
  EXPECT_FALSE(maps.del("global", "k"));
  auto emptied = maps.entries("global");
  ASSERT_TRUE(emptied.has_value());  // existed: an empty map, not "never existed"
  EXPECT_TRUE(emptied->empty());
}

TEST(MemoryMaps, BoundedByBytesAndAccountsReplacements) {
  MemoryMaps maps(20);
  ASSERT_TRUE(maps.set("m", "key", "0123456789").ok());  // 1 + 3 + 10 = 14
  EXPECT_EQ(maps.used_bytes(), 14u);
  auto full = maps.set("m", "other", "0123456789");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::PluginMemory);
  EXPECT_EQ(maps.get("m", "other"), std::nullopt);         // nothing changed
  ASSERT_TRUE(maps.set("m", "key", "0123456789ab").ok());  // replacing frees the old value
  EXPECT_EQ(maps.used_bytes(), 16u);
  EXPECT_TRUE(maps.del("m", "key"));
  EXPECT_EQ(maps.used_bytes(), 1u);  // the map's name stays accounted while the map exists
}

}  // namespace
}  // namespace wasmgate::store
