#include "admin/detail/auth.h"

#include <gtest/gtest.h>

#include "admin_test_support.h"

namespace wasmgate::admin {
namespace {

using testing::AdminApiTest;
using testing::kPlugins;

TEST(ExtractCredentials, ReadsOtoroshiHeadersCaseInsensitively) {
  auto c = extract_credentials({{"otoroshi-client-id", "id"}, {"OTOROSHI-CLIENT-SECRET", "s:e:c"}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->client_id, "id");
  EXPECT_EQ(c->client_secret, "s:e:c");
}

TEST(ExtractCredentials, ReadsBasicAuthAndSplitsAtTheFirstColon) {
  // base64("admin-api-apikey-id:sec:ret")
  auto c = extract_credentials({{"Authorization", "basic YWRtaW4tYXBpLWFwaWtleS1pZDpzZWM6cmV0"}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->client_id, "admin-api-apikey-id");
  EXPECT_EQ(c->client_secret, "sec:ret");
}

TEST(ExtractCredentials, HandlesBase64Padding) {
  auto one = extract_credentials({{"Authorization", "Basic YTpi"}});  // "a:b"
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->client_secret, "b");
  auto two = extract_credentials({{"Authorization", "Basic YTpiYw=="}});  // "a:bc"
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->client_secret, "bc");
}

TEST(ExtractCredentials, RejectsMalformedBasicAndPartialHeaders) {
  EXPECT_FALSE(extract_credentials({{"Authorization", "Basic !!!!"}}).has_value());
  EXPECT_FALSE(extract_credentials({{"Authorization", "Basic YWJj"}}).has_value());  // "abc": no colon
  EXPECT_FALSE(extract_credentials({{"Authorization", "Bearer abc"}}).has_value());
  EXPECT_FALSE(extract_credentials({{"Otoroshi-Client-Id", "id"}}).has_value());
  EXPECT_FALSE(extract_credentials({}).has_value());
}

TEST(CredentialsMatch, NeedsBothPartsEqual) {
  EXPECT_TRUE(credentials_match({"id", "secret"}, "id", "secret"));
  EXPECT_FALSE(credentials_match({"id", "secret"}, "id", "secreT"));
  EXPECT_FALSE(credentials_match({"id", "secret"}, "id", "secret-longer"));
  EXPECT_FALSE(credentials_match({"other", "secret"}, "id", "secret"));
  EXPECT_FALSE(credentials_match({"", ""}, "id", "secret"));
}

class AdminAuthTest : public AdminApiTest {};

TEST_F(AdminAuthTest, NoCredentialsIs401WithJsonError) {
  HttpResponse r = call_without_auth("GET", kPlugins);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_NE(error_of(r).find("Otoroshi-Client-Id"), std::string::npos);
}

TEST_F(AdminAuthTest, WrongIdOrWrongSecretIs401) {
  EXPECT_EQ(call_without_auth(
                "GET", kPlugins,
                {{"Otoroshi-Client-Id", "nope"}, {"Otoroshi-Client-Secret", "admin-api-apikey-secret"}})
                .status,
            401);
  EXPECT_EQ(
      call_without_auth("GET", kPlugins,
                        {{"Otoroshi-Client-Id", "admin-api-apikey-id"}, {"Otoroshi-Client-Secret", "nope"}})
          .status,
      401);
}

TEST_F(AdminAuthTest, HeadersAndBasicAuthAreAccepted) {
  EXPECT_EQ(call_without_auth("GET", kPlugins,
                              {{"Otoroshi-Client-Id", "admin-api-apikey-id"},
                               {"Otoroshi-Client-Secret", "admin-api-apikey-secret"}})
                .status,
            200);
  // base64("admin-api-apikey-id:admin-api-apikey-secret"), as `curl -u` sends it
  EXPECT_EQ(call_without_auth(
                "GET", kPlugins,
                {{"Authorization", "Basic YWRtaW4tYXBpLWFwaWtleS1pZDphZG1pbi1hcGktYXBpa2V5LXNlY3JldA=="}})
                .status,
            200);
}

TEST_F(AdminAuthTest, UnauthenticatedWriteStoresNothing) {
  HttpRequest r;
  r.method = "POST";
  r.target = kPlugins;
  r.body = plugin_json("wasm-plugin_x");
  EXPECT_EQ(api_->handle(r).status, 401);
  EXPECT_EQ(stored("wasm-plugins"), 0u);
  EXPECT_EQ(changes_, 0);
}

TEST_F(AdminAuthTest, HealthAnswersWithoutCredentials) {
  HttpResponse r = call_without_auth("GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r), boost::json::parse(R"({"status":"ok"})"));
}

class CustomCredentialsTest : public AdminApiTest {
  AdminOptions options() const override {
    AdminOptions o;
    o.client_id = "ops";
    o.client_secret = "s3cret";
    return o;
  }
};

TEST_F(CustomCredentialsTest, DefaultCredentialsNoLongerWork) {
  EXPECT_EQ(call("GET", kPlugins).status, 401);
  EXPECT_EQ(call_without_auth("GET", kPlugins, {{"Authorization", "Basic b3BzOnMzY3JldA=="}}).status, 200);
}

}  // namespace
}  // namespace wasmgate::admin
