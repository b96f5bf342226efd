// Wasmo sources: settings in every stored shape, the exact request (URL, Accept, kind, Basic or HS512 JWT),
// and its failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <memory>

#include "core/base64.h"
#include "source_test_http.h"
#include "wasm/source_fetch.h"
#include "wasm/wasmo_settings.h"

namespace wasmgate::wasm {
namespace {

using model::WasmSource;
using model::WasmSourceKind;
using testing::FakeHttp;
using ::testing::HasSubstr;

boost::json::value parse(std::string_view text) {
  return boost::json::parse(text);
}

WasmoSettings settings_of(std::string_view wasmo_settings_json) {
  auto parsed = parse_wasmo_settings(parse(wasmo_settings_json));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed.ok() && parsed->has_value());
  return parsed.ok() && parsed->has_value() ? **parsed : WasmoSettings{};
}

// base64url (no padding) decoding, for reading the JWT back.
std::string base64url_decode(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  auto decoded = base64_decode(text);
  EXPECT_TRUE(decoded.ok());
  return decoded.ok() ? *decoded : "";
}

TEST(WasmoSettingsParse, ReadsTheCurrentNestedShape) {
  const WasmoSettings s =
      settings_of(R"({"settings":{"url":"https://wasmo.test","clientId":"id","clientSecret":"sec",
      "legacyAuth":true,"pluginsFilter":"mine","tls":{"enabled":true}},"tlsConfig":{"mtls":false}})");
  EXPECT_EQ(s.url, "https://wasmo.test");
  EXPECT_EQ(s.client_id, "id");
  EXPECT_EQ(s.client_secret, "sec");
  EXPECT_TRUE(s.legacy_auth);
  EXPECT_EQ(s.plugins_filter, "mine");
  EXPECT_EQ(s.tls, parse(R"({"enabled":true})").as_object());
}

TEST(WasmoSettingsParse, AbsentKeysTakeOtoroshisDefaults) {
  const WasmoSettings s = settings_of(R"({"settings":{}})");
  EXPECT_EQ(s.url, "http://localhost:5001");
  EXPECT_EQ(s.client_id, "admin-api-apikey-id");
  EXPECT_EQ(s.client_secret, "admin-api-apikey-secret");
  EXPECT_FALSE(s.legacy_auth);
  EXPECT_EQ(s.plugins_filter, "*");
  EXPECT_TRUE(s.tls.empty());
}

TEST(WasmoSettingsParse, ReadsTheFlatLegacyShape) {
  const WasmoSettings s =
      settings_of(R"({"url":"http://flat.test","clientId":"a","clientSecret":"b","pluginsFilter":null})");
  EXPECT_EQ(s.url, "http://flat.test");
  EXPECT_EQ(s.client_id, "a");
  EXPECT_EQ(s.plugins_filter, "*");
}

TEST(WasmoSettingsParse, TlsIsReadFromTlsConfigKeyOrFromOuterMtlsConfig) {
  EXPECT_EQ(settings_of(R"({"settings":{"tls_config":{"loose":true}}})").tls,
            parse(R"({"loose":true})").as_object());
  EXPECT_EQ(settings_of(R"({"settings":{},"tlsConfig":{"mtls":true,"certs":["c1"]}})").tls,
            parse(R"({"mtls":true,"certs":["c1"]})").as_object());
  // [quirk] `tlsConfig` inside settings is what Otoroshi writes, not what it reads.
  EXPECT_TRUE(settings_of(R"({"settings":{"tlsConfig":{"loose":true}}})").tls.empty());
}

TEST(WasmoSettingsParse, NullMeansNoWasmoAndWrongTypesAreNamed) {
  auto none = parse_wasmo_settings(nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto bad = parse_wasmo_settings(parse(R"({"settings":{"url":5}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::BadRequest);
  EXPECT_EQ(bad.error().message, "wasmoSettings.settings.url: expected a string");
  EXPECT_FALSE(parse_wasmo_settings(parse("[]")).ok());
}

TEST(WasmoSettingsParse, GlobalConfigFallsBackToWasmManagerSettings) {
  auto legacy = wasmo_settings_from_global(
      parse(R"({"wasmoSettings":null,"wasmManagerSettings":{"url":"http://old.test","clientId":"x"}})")
          .as_object());
  ASSERT_TRUE(legacy.ok() && legacy->has_value());
  EXPECT_EQ((*legacy)->url, "http://old.test");
  auto current = wasmo_settings_from_global(parse(R"({"wasmoSettings":{"settings":{"url":"http://new.test"}},
      "wasmManagerSettings":{"url":"http://old.test"}})")
                                                .as_object());
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->url, "http://new.test");
  auto none = wasmo_settings_from_global(parse(R"({"apiReadOnly":false})").as_object());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

class WasmoFetch : public ::testing::Test {
 protected:
  WasmoFetch() {
    context_.http = http_;
    context_.wasmo = settings_of(R"({"settings":{"url":"http://wasmo.test/","clientId":"my-id",
        "clientSecret":"my-secret","pluginsFilter":"team-a"}})");
  }
  Result<FetchedSource> fetch(std::string path, std::string_view opts = "{}") {
    return fetch_source(WasmSource{WasmSourceKind::Wasmo, std::move(path), parse(opts).as_object()},
                        context_);
  }

  std::shared_ptr<FakeHttp> http_ = std::make_shared<FakeHttp>();
  SourceFetchContext context_;
};

TEST_F(WasmoFetch, GetsWasmPathWithAcceptKindAndBasicCredentials) {
  http_->route("http://wasmo.test/wasm/my-plugin-1.0.0", FakeHttp::reply(200, "module"));
  auto fetched = fetch("my-plugin-1.0.0");
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(std::string(fetched->bytes->begin(), fetched->bytes->end()), "module");
  const auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(http_->header(0, "Accept"), "application/json");
  EXPECT_EQ(http_->header(0, "kind"), "team-a");
  EXPECT_EQ(http_->header(0, "Authorization"), "Basic " + base64_encode("my-id:my-secret"));
  EXPECT_EQ(http_->header(0, "Otoroshi-User"), "");
}

TEST_F(WasmoFetch, KindHeaderDefaultsToStar) {
  context_.wasmo = settings_of(R"({"settings":{"url":"http://wasmo.test"}})");
  http_->route("http://wasmo.test/wasm/p", FakeHttp::reply(200, "m"));
  ASSERT_TRUE(fetch("p").ok());
  EXPECT_EQ(http_->header(0, "kind"), "*");
}

TEST_F(WasmoFetch, LegacyAuthSendsAnHs512JwtSignedWithTheClientId) {
  context_.wasmo->legacy_auth = true;
  http_->route("http://wasmo.test/wasm/p", FakeHttp::reply(200, "m"));
  ASSERT_TRUE(fetch("p").ok());
  EXPECT_EQ(http_->header(0, "Authorization"), "");
  const std::string token = http_->header(0, "Otoroshi-User");
  const auto first_dot = token.find('.');
  const auto second_dot = token.find('.', first_dot + 1);
  ASSERT_NE(second_dot, std::string::npos);
  EXPECT_EQ(parse(base64url_decode(token.substr(0, first_dot))), parse(R"({"typ":"JWT","alg":"HS512"})"));
  EXPECT_EQ(parse(base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1))),
            parse(R"({"iss":"otoroshi"})"));

  const std::string signing_input = token.substr(0, second_dot);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha512(), "my-id", 5, reinterpret_cast<const unsigned char*>(signing_input.data()),
       signing_input.size(), mac, &mac_size);
  ASSERT_EQ(mac_size, 64u);
  EXPECT_EQ(base64url_decode(token.substr(second_dot + 1)),
            std::string(reinterpret_cast<char*>(mac), mac_size));
  EXPECT_EQ(token.find('='), std::string::npos);
}

TEST_F(WasmoFetch, MissingSettingsIsAClearError) {
  context_.wasmo.reset();
  auto fetched = fetch("p");
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, Errc::PluginLoad);
  EXPECT_THAT(fetched.error().message, HasSubstr("wasm source Wasmo p: missing wasmo settings"));
  EXPECT_TRUE(http_->requests().empty());
}

TEST_F(WasmoFetch, BadStatusNamesWasmoAndHintsAtCredentials) {
  http_->route("http://wasmo.test/wasm/p", FakeHttp::reply(401, "unauthorized"));
  auto fetched = fetch("p");
  ASSERT_FALSE(fetched.ok());
  EXPECT_THAT(fetched.error().message, HasSubstr("bad wasmo response 401"));
  EXPECT_THAT(fetched.error().message, HasSubstr("clientId/clientSecret"));
}

TEST_F(WasmoFetch, CredentialsStayWithWasmoOnARedirectElsewhere) {
  http_->route("http://wasmo.test/wasm/p", FakeHttp::reply(302, "", {{"Location", "http://s3.test/p.wasm"}}));
  http_->route("http://s3.test/p.wasm", FakeHttp::reply(200, "m"));
  ASSERT_TRUE(fetch("p").ok());
  EXPECT_EQ(http_->header(1, "Authorization"), "");
  EXPECT_EQ(http_->header(1, "kind"), "team-a");
  EXPECT_THAT(fetch("p", R"({"follow_redirect":false})").error().message,
              HasSubstr("bad wasmo response 302"));
}

TEST_F(WasmoFetch, PinAppliesToWasmoBytes) {
  http_->route("http://wasmo.test/wasm/p", FakeHttp::reply(200, "m"));
  auto fetched =
      fetch("p", R"({"sha256":"0000000000000000000000000000000000000000000000000000000000000000"})");
  ASSERT_FALSE(fetched.ok());
  EXPECT_THAT(fetched.error().message, HasSubstr("sha256 mismatch"));
}

}  // namespace
}  // namespace wasmgate::wasm
