#include "core/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace wasmgate {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (const auto& [text, bytes] :
       std::initializer_list<std::pair<std::string, std::string>>{{"", ""},
                                                                  {"Zg==", "f"},
                                                                  {"Zm8=", "fo"},
                                                                  {"Zm9v", "foo"},
                                                                  {"Zm9vYg==", "foob"},
                                                                  {"Zm9vYmFy", "foobar"}}) {
    Result<std::string> decoded = base64_decode(text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, bytes) << text;
  }
}

TEST(Base64, AcceptsMissingPaddingLikeJava) {
  EXPECT_EQ(*base64_decode("Zg"), "f");
  EXPECT_EQ(*base64_decode("Zm8"), "fo");
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += 37) {
    const std::string part = all.substr(all.size() - len);
    Result<std::string> back = base64_decode(base64_encode(part));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, part);
  }
  EXPECT_EQ(*base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_encode("\xFB\xFF"), "+/8=");
}

TEST(Base64, RefusesCharactersOutsideTheStandardAlphabet) {
  for (const std::string bad : {"Zm9v!", "Zm 9v", "Zm9v\n", "-_8=", "Zm9\x80"}) {
    Result<std::string> r = base64_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::BadRequest);
  }
}

TEST(Base64, RefusesBrokenPadding) {
  for (const std::string bad : {"Z", "Zm9vY", "Zg=", "Z===", "====", "Zm9v==", "Zg==Zg==", "Z=g="}) {
    EXPECT_FALSE(base64_decode(bad).ok()) << bad;
  }
}

TEST(Base64, ErrorNamesTheOffset) {
  Result<std::string> r = base64_decode("Zm9v*A==");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("offset 4"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace wasmgate
