#include "proxy/error_response.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace wasmgate::proxy {
namespace {

std::string header(const HttpResponse& r, std::string_view name) {
  auto v = find_header(r.headers, name);
  return v ? std::string(*v) : "<absent>";
}

TEST(WantsHtml, FollowsOtoroshisBrowserRule) {
  EXPECT_TRUE(wants_html(std::nullopt));
  EXPECT_TRUE(wants_html("text/html"));
  EXPECT_TRUE(wants_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
  EXPECT_TRUE(wants_html("application/json, text/html;q=0.5"));
  EXPECT_FALSE(wants_html("application/json"));
  EXPECT_FALSE(wants_html("*/*"));
  EXPECT_FALSE(wants_html(""));
}

TEST(ErrorResponse, JsonBodyAndOtoroshiHeadersForApiClients) {
  auto r = make_error_response(404, kMsgNoRoute, "application/json", std::nullopt);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(header(r, "Otoroshi-Error"), "true");
  EXPECT_EQ(header(r, "Otoroshi-Error-Msg"), kMsgNoRoute);
  EXPECT_EQ(header(r, "Otoroshi-State-Resp"), "--");
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("Otoroshi-Error").as_string(), kMsgNoRoute);
  EXPECT_EQ(body.size(), 1u);
}

TEST(ErrorResponse, HtmlPageForBrowsersWithTheMessageEscaped) {
  auto r = make_error_response(502, "bad <backend> & co", std::nullopt, "state-123");
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(header(r, "Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(r.body.find("bad &lt;backend&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(r.body.find("<backend>"), std::string::npos);
  EXPECT_EQ(header(r, "Otoroshi-Error"), "true");
  EXPECT_EQ(header(r, "Otoroshi-State-Resp"), "state-123");
}

TEST(ErrorResponse, JsonEscapesTheMessage) {
  auto r = make_error_response(500, "quote \" and backslash \\", "application/json", std::nullopt);
  EXPECT_EQ(boost::json::parse(r.body).at("Otoroshi-Error").as_string(), "quote \" and backslash \\");
}

}  // namespace
}  // namespace wasmgate::proxy
