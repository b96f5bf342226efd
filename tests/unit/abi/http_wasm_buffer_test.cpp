// The http-wasm ABI's data conventions, without a VM: count_len and NUL-terminated sequences, buf_limit
// (nothing written when too small), header-list semantics and what a guest may put on the wire.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "wasm/abi/http_wasm/guest_buffer.h"
#include "wasm/abi/http_wasm/header_ops.h"
#include "wasm/abi/http_wasm/message_syntax.h"

namespace wasmgate::abi::http_wasm {
namespace {

struct FakeMemory {
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(64, '?');
  engine::MemoryView view() { return engine::MemoryView{bytes.data(), bytes.size()}; }
  std::string at(std::size_t from, std::size_t n) const {
    return std::string(bytes.begin() + static_cast<long>(from), bytes.begin() + static_cast<long>(from + n));
  }
};

TEST(HttpWasmBuffer, CountLenCountsOneNulPerValue) {
  const std::array<std::string_view, 2> two{"Content-Type", "Content-Length"};
  EXPECT_EQ(count_len(two), (std::uint64_t{2} << 32) | 28);  // the ABI's own example
  EXPECT_EQ(count_len(std::span<const std::string_view>{}), 0u);
  const std::array<std::string_view, 1> empty_value{""};
  EXPECT_EQ(count_len(empty_value), (std::uint64_t{1} << 32) | 1);
}

TEST(HttpWasmBuffer, WritesNulTerminatedValuesOnlyWhenTheyFit) {
  FakeMemory memory;
  const std::array<std::string_view, 2> values{"a=b", "c=d"};
  auto small = write_nul_terminated(memory.view(), 8, 7, values, "test");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(*small, (std::uint64_t{2} << 32) | 8);
  EXPECT_EQ(memory.at(8, 8), std::string(8, '?'));  // too small: nothing written
  auto fits = write_nul_terminated(memory.view(), 8, 8, values, "test");
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(memory.at(8, 9), std::string("a=b\0c=d\0?", 9));
  EXPECT_FALSE(write_nul_terminated(memory.view(), 60, 100, values, "test").ok());  // past the memory
}

TEST(HttpWasmBuffer, WriteIfFitsReturnsTheLengthEitherWay) {
  FakeMemory memory;
  auto probe = write_if_fits(memory.view(), 0, 0, "GET", "get_method");
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(*probe, 3u);
  EXPECT_EQ(memory.at(0, 3), "???");
  ASSERT_TRUE(write_if_fits(memory.view(), 0, 3, "GET", "get_method").ok());
  EXPECT_EQ(memory.at(0, 3), "GET");
  auto outside = write_if_fits(memory.view(), 63, 10, "GET", "get_method");
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, Errc::PluginTrap);
  EXPECT_FALSE(read_guest(memory.view(), 60, 8, "name").ok());
  EXPECT_EQ(*read_guest(memory.view(), 1000, 0, "name"), "");  // empty: the pointer is not read
}

TEST(HttpWasmHeaders, NamesAreLowercaseAndDistinctInFirstSeenOrder) {
  const HeaderList headers{{"Set-Cookie", "a=b"}, {"Date", "x"}, {"set-cookie", "c=d"}};
  EXPECT_EQ(header_names_lower(headers), (std::vector<std::string>{"set-cookie", "date"}));
  EXPECT_EQ(header_values(headers, "SET-COOKIE"), (std::vector<std::string_view>{"a=b", "c=d"}));
}

TEST(HttpWasmHeaders, SetReplacesEveryValueAtTheFirstPlaceAddAppendsRemoveDropsAll) {
  HeaderList headers{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  set_header(headers, "a", "9");
  EXPECT_EQ(headers, (HeaderList{{"a", "9"}, {"B", "2"}}));
  add_header(headers, "A", "10");
  EXPECT_EQ(header_values(headers, "a"), (std::vector<std::string_view>{"9", "10"}));
  remove_header(headers, "A");
  EXPECT_EQ(headers, (HeaderList{{"B", "2"}}));
  set_header(headers, "New", "v");
  EXPECT_EQ(headers.back(), (std::pair<std::string, std::string>{"New", "v"}));
}

TEST(HttpWasmSyntax, RefusesWhatCouldSplitTheRequestOrAField) {
  EXPECT_TRUE(is_token("X-Custom_1"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("X Bad"));
  EXPECT_FALSE(is_token("X:Bad"));
  EXPECT_TRUE(is_field_value("a value\twith tab"));
  EXPECT_TRUE(is_field_value(""));
  EXPECT_FALSE(is_field_value("a\r\nInjected: yes"));
  EXPECT_FALSE(is_field_value(std::string("nul\0", 4)));
  EXPECT_TRUE(is_origin_form("/a/b?c=d%20e"));
  EXPECT_FALSE(is_origin_form("a/b"));
  EXPECT_FALSE(is_origin_form("/a b"));
  EXPECT_FALSE(is_origin_form("/a\r\nHost: evil"));
  EXPECT_FALSE(is_origin_form(""));
}

}  // namespace
}  // namespace wasmgate::abi::http_wasm
