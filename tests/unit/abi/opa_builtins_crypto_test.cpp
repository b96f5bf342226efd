// Crypto built-ins: hex digests and HMACs (OpenSSL), constant-time MAC comparison.
#include <gtest/gtest.h>

#include "opa_builtin_test_support.h"

namespace wasmgate::abi::opa {
namespace {

using testing::result_of;

TEST(OpaCrypto, DigestsAreLowercaseHex) {
  EXPECT_EQ(result_of("crypto.sha256", R"(["abc"])"),
            R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")");
  EXPECT_EQ(result_of("crypto.sha1", R"(["abc"])"), R"("a9993e364706816aba3e25717850c26c9cd0d89d")");
  EXPECT_EQ(result_of("crypto.md5", R"(["abc"])"), R"("900150983cd24fb0d6963f7d28e17f72")");
}

TEST(OpaCrypto, HmacAndConstantTimeEqual) {
  // RFC 4231 test case 2.
  EXPECT_EQ(result_of("crypto.hmac.sha256", R"(["what do ya want for nothing?", "Jefe"])"),
            R"("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")");
  EXPECT_EQ(result_of("crypto.hmac.equal", R"(["abc", "abc"])"), "true");
  EXPECT_EQ(result_of("crypto.hmac.equal", R"(["abc", "abd"])"), "false");
  EXPECT_EQ(result_of("crypto.hmac.equal", R"(["abc", "ab"])"), "false");
}

}  // namespace
}  // namespace wasmgate::abi::opa
