#include "core/hex.h"

#include <gtest/gtest.h>

#include <vector>

namespace wasmgate {
namespace {

TEST(Hex, EncodesLowerCaseAndDecodesEitherCase) {
  EXPECT_EQ(hex_encode(std::string_view("hi!\xff\x00", 5)), "686921ff00");
  EXPECT_EQ(hex_encode(std::string_view()), "");
  EXPECT_EQ(*hex_decode("686921FF00"), std::string("hi!\xff\x00", 5));
  EXPECT_EQ(hex_decode("abc").error().message, "odd length hex string");
  EXPECT_EQ(hex_decode("0g").error().message, "invalid byte at offset 0");
  EXPECT_EQ(hex_decode("000g").error().message, "invalid byte at offset 2");
}

TEST(Hex, Sha256OfKnownInputs) {
  const std::vector<std::uint8_t> abc{'a', 'b', 'c'};
  EXPECT_EQ(sha256_hex(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace wasmgate
