#include "wasm/wasmo_settings.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string_view>

#include "core/base64.h"

namespace wasmgate::wasm {

namespace json = boost::json;

namespace {

// Each reader leaves `out` unchanged when the key is absent or null (Otoroshi's defaults stand).
Result<void> read_string(const json::object& object, std::string_view key, const std::string& path,
                         std::string& out) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_string())
    return make_error(Errc::BadRequest, path + "." + std::string(key) + ": expected a string");
  out = std::string(v->as_string());
  return {};
}

Result<void> read_bool(const json::object& object, std::string_view key, const std::string& path, bool& out) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_bool())
    return make_error(Errc::BadRequest, path + "." + std::string(key) + ": expected a boolean");
  out = v->as_bool();
  return {};
}

const json::object* object_at(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

Result<WasmoSettings> read_settings(const json::object& settings, const std::string& path) {
  WasmoSettings out;
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"url", &out.url},
                            {"clientId", &out.client_id},
                            {"clientSecret", &out.client_secret},
                            {"pluginsFilter", &out.plugins_filter}}) {
    if (auto read = read_string(settings, key, path, *field); !read) return read.take_error();
  }
  if (auto read = read_bool(settings, "legacyAuth", path, out.legacy_auth); !read) return read.take_error();
  // [quirk] Otoroshi writes `tlsConfig` inside settings but reads only `tls` / `tls_config` there.
  if (const json::object* tls = object_at(settings, "tls")) {
    out.tls = *tls;
  } else if (const json::object* tls_config = object_at(settings, "tls_config")) {
    out.tls = *tls_config;
  }
  return out;
}

}  // namespace

Result<std::optional<WasmoSettings>> parse_wasmo_settings(const json::value& wasmo_settings) {
  if (wasmo_settings.is_null()) return std::optional<WasmoSettings>();
  if (!wasmo_settings.is_object()) return make_error(Errc::BadRequest, "wasmoSettings: expected an object");
  const json::object& root = wasmo_settings.as_object();
  const json::object* nested = object_at(root, "settings");
  auto settings = nested != nullptr ? read_settings(*nested, "wasmoSettings.settings")
                                    : read_settings(root, "wasmoSettings");
  if (!settings) return settings.take_error();
  if (nested != nullptr && settings->tls.empty()) {
    // The outer Otoroshi MtlsConfig applies only when it asks for mTLS.
    if (const json::object* outer = object_at(root, "tlsConfig")) {
      const json::value* mtls = outer->if_contains("mtls");
      if (mtls != nullptr && mtls->is_bool() && mtls->as_bool()) settings->tls = *outer;
    }
  }
  return std::optional<WasmoSettings>(std::move(*settings));
}

Result<std::optional<WasmoSettings>> wasmo_settings_from_global(const json::object& global_config) {
  const json::value* current = global_config.if_contains("wasmoSettings");
  if (current != nullptr && !current->is_null()) return parse_wasmo_settings(*current);
  const json::value* legacy = global_config.if_contains("wasmManagerSettings");
  if (legacy == nullptr || legacy->is_null()) return std::optional<WasmoSettings>();
  if (!legacy->is_object()) return make_error(Errc::BadRequest, "wasmManagerSettings: expected an object");
  auto settings = read_settings(legacy->as_object(), "wasmManagerSettings");
  if (!settings) return settings.take_error();
  return std::optional<WasmoSettings>(std::move(*settings));
}

std::string base64url_encode(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::pair<std::string, std::string> wasmo_auth_header(const WasmoSettings& settings) {
  if (!settings.legacy_auth) {
    return {"Authorization", "Basic " + base64_encode(settings.client_id + ":" + settings.client_secret)};
  }
  // Compact JSON as Play writes Json.obj, keys in insertion order.
  const std::string signing_input =
      base64url_encode(R"({"typ":"JWT","alg":"HS512"})") + "." + base64url_encode(R"({"iss":"otoroshi"})");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha512(), settings.client_id.data(), static_cast<int>(settings.client_id.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &mac_size);
  const std::string signature =
      base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
  return {"Otoroshi-User", signing_input + "." + signature};
}

}  // namespace wasmgate::wasm
