#include "proxy/detail/header_arena.h"

#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>
#include <cstring>
#include <memory>
#include <string>

namespace wasmgate::proxy::detail {
namespace {

TEST(HeaderArena, SmallAllocationsComeFromTheInlineBlockAndResetReusesIt) {
  auto arena = std::make_unique<HeaderArena>();
  void* a = arena->allocate(100, 8);
  void* b = arena->allocate(100, 8);
  EXPECT_NE(a, b);
  arena->reset();
  EXPECT_EQ(arena->allocate(100, 8), a);
}

TEST(HeaderArena, AllocationsBeyondTheInlineBlockSpillToTheHeapAndAreFreed) {
  auto arena = std::make_unique<HeaderArena>();
  void* big = arena->allocate(HeaderArena::kInlineBytes + 1, 8);
  ASSERT_NE(big, nullptr);
  std::memset(big, 'x', HeaderArena::kInlineBytes + 1);
  arena->deallocate(big, HeaderArena::kInlineBytes + 1, 8);  // leak-checked under ASan
  void* small = arena->allocate(16, 8);
  arena->reset();
  EXPECT_EQ(arena->allocate(16, 8), small);
}

TEST(HeaderArena, BeastFieldsWorkOnTheArenaAndKeepInsertionOrder) {
  auto arena = std::make_unique<HeaderArena>();
  {
    boost::beast::http::basic_fields<ArenaAllocator<char>> fields{ArenaAllocator<char>(*arena)};
    fields.insert("Host", "a.example");
    fields.insert("X-Long", std::string(20000, 'v'));  // spills
    fields.set("Host", "b.example");
    std::string order;
    for (const auto& f : fields) order += std::string(f.name_string()) + ";";
    EXPECT_EQ(order, "X-Long;Host;");
    EXPECT_EQ(fields["Host"], "b.example");
  }
  arena->reset();
}

}  // namespace
}  // namespace wasmgate::proxy::detail
