// Crypto built-ins on OpenSSL: crypto.md5, crypto.sha1, crypto.sha256 (hex digests of a string) and
// crypto.hmac.md5/sha1/sha256/sha512 (hex HMAC of a string with a key), crypto.hmac.equal (constant time).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <span>
#include <string>

#include "core/hex.h"

#include "wasm/abi/opa/detail/builtin_args.h"

namespace wasmgate::abi::opa::detail {
namespace {

namespace json = boost::json;

template <const EVP_MD* (*Md)(), const char* Name>
Result<json::value> digest(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, Name);
  if (!text) return text.take_error();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text->data(), text->size(), out, &size, Md(), nullptr) != 1) {
    return builtin_error(Name, "digest failed");
  }
  return json::value(hex_encode(std::span<const std::uint8_t>(out, size)));
}

template <const EVP_MD* (*Md)(), const char* Name>
Result<json::value> hmac(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, Name);
  if (!text) return text.take_error();
  auto key = string_arg(args, 1, Name);
  if (!key) return key.take_error();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(Md(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(text->data()), text->size(), out, &size) == nullptr) {
    return builtin_error(Name, "HMAC failed");
  }
  return json::value(hex_encode(std::span<const std::uint8_t>(out, size)));
}

// Compares two MACs without leaking where they differ.
Result<json::value> hmac_equal(Args args, const BuiltinContext&) {
  auto a = string_arg(args, 0, "crypto.hmac.equal");
  if (!a) return a.take_error();
  auto b = string_arg(args, 1, "crypto.hmac.equal");
  if (!b) return b.take_error();
  return json::value(a->size() == b->size() && CRYPTO_memcmp(a->data(), b->data(), a->size()) == 0);
}

constexpr char kMd5[] = "crypto.md5";
constexpr char kSha1[] = "crypto.sha1";
constexpr char kSha256[] = "crypto.sha256";
constexpr char kHmacMd5[] = "crypto.hmac.md5";
constexpr char kHmacSha1[] = "crypto.hmac.sha1";
constexpr char kHmacSha256[] = "crypto.hmac.sha256";
constexpr char kHmacSha512[] = "crypto.hmac.sha512";

constexpr Builtin kCrypto[] = {
    {kHmacMd5, 2, hmac<EVP_md5, kHmacMd5>},
    {kHmacSha1, 2, hmac<EVP_sha1, kHmacSha1>},
    {kHmacSha256, 2, hmac<EVP_sha256, kHmacSha256>},
    {kHmacSha512, 2, hmac<EVP_sha512, kHmacSha512>},
    {"crypto.hmac.equal", 2, hmac_equal},
    {kMd5, 1, digest<EVP_md5, kMd5>},
    {kSha1, 1, digest<EVP_sha1, kSha1>},
    {kSha256, 1, digest<EVP_sha256, kSha256>},
};

}  // namespace

std::span<const Builtin> crypto_builtins() {
  return kCrypto;
}

}  // namespace wasmgate::abi::opa::detail
