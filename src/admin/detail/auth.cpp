#include "admin/detail/auth.h"

#include <array>
#include <cctype>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace wasmgate::admin {

namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  // EVP_Digest cannot fail for SHA-256 on in-memory data short of an OpenSSL bug; a zeroed digest then never
  // matches a real secret's digest except by a 2^-256 chance.
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::string> decode_base64(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::vector<unsigned char> out(in.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  std::size_t padding = in.ends_with("==") ? 2 : in.ends_with('=') ? 1 : 0;
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n) - padding);
}

std::optional<Credentials> from_basic(std::string_view authorization) {
  authorization = trim(authorization);
  constexpr std::string_view kScheme = "basic";
  if (authorization.size() <= kScheme.size() || !iequals(authorization.substr(0, kScheme.size()), kScheme) ||
      !std::isspace(static_cast<unsigned char>(authorization[kScheme.size()]))) {
    return std::nullopt;
  }
  auto decoded = decode_base64(trim(authorization.substr(kScheme.size())));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace

std::optional<Credentials> extract_credentials(const HeaderList& headers) {
  auto id = find_header(headers, "Otoroshi-Client-Id");
  auto secret = find_header(headers, "Otoroshi-Client-Secret");
  if (id && secret) return Credentials{std::string(*id), std::string(*secret)};
  if (auto authorization = find_header(headers, "Authorization")) return from_basic(*authorization);
  return std::nullopt;
}

bool credentials_match(const Credentials& given, std::string_view client_id, std::string_view client_secret) {
  Digest given_id = sha256(given.client_id), want_id = sha256(client_id);
  Digest given_secret = sha256(given.client_secret), want_secret = sha256(client_secret);
  int id_diff = CRYPTO_memcmp(given_id.data(), want_id.data(), want_id.size());
  int secret_diff = CRYPTO_memcmp(given_secret.data(), want_secret.data(), want_secret.size());
  return (id_diff | secret_diff) == 0;  // no short-circuit: both comparisons always run
}

Result<void> authenticate(const HttpRequest& request, std::string_view client_id,
                          std::string_view client_secret) {
  auto given = extract_credentials(request.headers);
  if (!given) {
    return make_error(
        Errc::Unauthorized,
        "no admin API credentials: send the headers Otoroshi-Client-Id and Otoroshi-Client-Secret, "
        "or Authorization: Basic base64(id:secret)");
  }
  if (!credentials_match(*given, client_id, client_secret)) {
    return make_error(Errc::Unauthorized, "invalid admin API credentials");
  }
  return {};
}

}  // namespace wasmgate::admin
