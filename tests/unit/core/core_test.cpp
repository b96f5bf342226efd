#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "core/clock.h"
#include "core/error.h"
#include "core/http_message.h"
#include "core/ids.h"

namespace wasmgate {
namespace {

TEST(Ids, NamedIdIsPrefixPlusV4Uuid) {
  std::string id = named_id("route");
  EXPECT_TRUE(std::regex_match(id, std::regex("route_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
}

TEST(Ids, UuidsDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(uuid_v4());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Clock, Iso8601FormatsUtcWithMillis) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_utc(1764028741123), "2025-11-24T23:59:01.123Z");
}

TEST(Error, CodesMapToHttpStatuses) {
  EXPECT_EQ(errc_http_status(Errc::BadRequest), 400);
  EXPECT_EQ(errc_http_status(Errc::Conflict), 409);
  EXPECT_EQ(errc_http_status(Errc::UpstreamTimeout), 504);
  EXPECT_EQ(errc_name(Errc::PluginTimeout), "plugin_timeout");
}

TEST(Result, CarriesValueOrError) {
  Result<int> ok = 3;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  Result<int> bad = make_error(Errc::NotFound, "route 'x' not found");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::NotFound);
  Result<void> v;
  EXPECT_TRUE(v.ok());
}

TEST(HttpMessage, FindsHeadersCaseInsensitively) {
  HeaderList h{{"Content-Type", "a"}, {"X-Thing", "b"}};
  EXPECT_EQ(find_header(h, "content-type").value(), "a");
  EXPECT_FALSE(find_header(h, "missing").has_value());
}

}  // namespace
}  // namespace wasmgate
