// Admin API authentication (spec otoroshi-wasm.md §10.1): an API key sent as the headers Otoroshi-Client-Id +
// Otoroshi-Client-Secret, or as HTTP Basic `id:secret`. Comparisons take the same time whatever the input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/http_message.h"

namespace wasmgate::admin {

struct Credentials {
  std::string client_id;
  std::string client_secret;
};

// The credentials a request carries: both Otoroshi-Client-* headers win over Authorization: Basic. nullopt
// when neither form is present or the Basic value is not base64 of "id:secret".
std::optional<Credentials> extract_credentials(const HeaderList& headers);

// Compares SHA-256 digests with CRYPTO_memcmp, both parts always, so neither the position of the first wrong
// byte nor the expected lengths leak through timing.
bool credentials_match(const Credentials& given, std::string_view client_id, std::string_view client_secret);

// Errc::Unauthorized (missing / wrong credentials) or ok.
Result<void> authenticate(const HttpRequest& request, std::string_view client_id,
                          std::string_view client_secret);

}  // namespace wasmgate::admin
