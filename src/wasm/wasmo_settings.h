// Wasmo (the plugin builder that serves .wasm files to Otoroshi): where it is and how to authenticate
// (spec otoroshi-wasm.md §2.1). Read from the global config's `wasmoSettings`, in every shape Otoroshi has
// written over the years.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <utility>

#include "core/error.h"

namespace wasmgate::wasm {

struct WasmoSettings {
  std::string url = "http://localhost:5001";
  std::string client_id = "admin-api-apikey-id";
  std::string client_secret = "admin-api-apikey-secret";
  bool legacy_auth = false;          // true: `Otoroshi-User` HS512 JWT instead of Basic credentials
  std::string plugins_filter = "*";  // sent as the `kind` header
  // TLS settings as stored (`settings.tls` / `settings.tls_config`, or the outer `tlsConfig` when its `mtls`
  // is true). Kept for the status page; not applied yet: they name Otoroshi certificate entities, which
  // wasmgate does not store. https to Wasmo uses the system trust store.
  boost::json::object tls;
};

// Reads the value of the global config's `wasmoSettings` key. Accepted shapes:
//   {"settings": {url, clientId, clientSecret, legacyAuth, pluginsFilter, tls|tls_config}, "tlsConfig":
//   {...}} {url, clientId, clientSecret, legacyAuth, pluginsFilter}   (flat, older releases)
// Absent keys take Otoroshi's defaults. null -> nullopt (no Wasmo configured). BadRequest naming the field
// for a value of the wrong type (`wasmoSettings.settings.url: expected a string`).
Result<std::optional<WasmoSettings>> parse_wasmo_settings(const boost::json::value& wasmo_settings);

// The same from a whole global config document: `wasmoSettings`, or the legacy `wasmManagerSettings` (same
// keys, flat) when the former is absent or null.
Result<std::optional<WasmoSettings>> wasmo_settings_from_global(const boost::json::object& global_config);

// The authentication header Otoroshi sends to Wasmo (wasm4s ApikeyHelper):
//   legacy_auth = false: {"Authorization", "Basic base64(clientId:clientSecret)"}
//   legacy_auth = true:  {"Otoroshi-User", JWT {"typ":"JWT","alg":"HS512"}.{"iss":"otoroshi"}, HMAC-SHA512}
// [quirk] the JWT is signed with clientId as the secret: kept, since Wasmo verifies it with its
// OTOROSHI_TOKEN_SECRET and deployments set clientId to that value to make Otoroshi's token pass.
std::pair<std::string, std::string> wasmo_auth_header(const WasmoSettings& settings);

// base64url without padding (RFC 7515 §2), as JWTs use.
std::string base64url_encode(std::string_view bytes);

}  // namespace wasmgate::wasm
