// fetch_source for Base64, File and Http sources: bytes, sha256, pins, redirects and every failure path,
// against a scripted fetcher, plus the real blocking client on a loopback server and an unresolvable host.
#include "wasm/source_fetch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/base64.h"
#include "loopback_http_server.h"
#include "source_test_http.h"
#include "wasm/vm_http_client.h"

namespace wasmgate::wasm {
namespace {

using namespace std::chrono_literals;
using model::WasmSource;
using model::WasmSourceKind;
using testing::FakeHttp;
using ::testing::HasSubstr;

constexpr std::string_view kWasmMagic("\0asm\1\0\0\0", 8);

std::string text_of(const FetchedSource& fetched) {
  return std::string(fetched.bytes->begin(), fetched.bytes->end());
}

WasmSource source(WasmSourceKind kind, std::string path, std::string_view opts = "{}") {
  return WasmSource{kind, std::move(path), boost::json::parse(opts).as_object()};
}

class SourceFetch : public ::testing::Test {
 protected:
  SourceFetch() { context_.http = http_; }

  Result<FetchedSource> fetch(const WasmSource& s) { return fetch_source(s, context_); }
  std::string error_of(const WasmSource& s) {
    auto fetched = fetch(s);
    EXPECT_FALSE(fetched.ok());
    if (fetched) return "";
    EXPECT_EQ(fetched.error().code, Errc::PluginLoad);
    return fetched.error().message;
  }

  std::shared_ptr<FakeHttp> http_ = std::make_shared<FakeHttp>();
  SourceFetchContext context_;
};

TEST(SourceSha256, IsLowerCaseHexOfTheBytes) {
  const std::string abc = "abc";
  EXPECT_EQ(sha256_hex(SourceBytes(abc.begin(), abc.end())),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(SourceFetch, Base64DecodesThePathWithOrWithoutItsScheme) {
  const std::string encoded = base64_encode(kWasmMagic);
  for (const std::string& path : {encoded, "base64://" + encoded}) {
    auto fetched = fetch(source(WasmSourceKind::Base64, path));
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    EXPECT_EQ(text_of(*fetched), kWasmMagic);
    EXPECT_EQ(fetched->sha256, sha256_hex(*fetched->bytes));
  }
}

TEST_F(SourceFetch, InvalidBase64NamesTheSourceAndTheReason) {
  const std::string message = error_of(source(WasmSourceKind::Base64, "not base64!"));
  EXPECT_THAT(message, HasSubstr("wasm source Base64 not base64!"));
  EXPECT_THAT(message, HasSubstr("invalid base64"));
}

class SourceFile : public SourceFetch {
 protected:
  SourceFile() {
    dir_ = std::filesystem::temp_directory_path() / ("wasmgate-source-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    file_ = dir_ / "plugin.wasm";
    std::ofstream(file_, std::ios::binary) << kWasmMagic;
  }
  ~SourceFile() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::filesystem::path file_;
};

TEST_F(SourceFile, ReadsAnAbsolutePathWithOrWithoutFileScheme) {
  for (const std::string& path : {file_.string(), "file://" + file_.string()}) {
    auto fetched = fetch(source(WasmSourceKind::File, path));
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    EXPECT_EQ(text_of(*fetched), kWasmMagic);
  }
}

TEST_F(SourceFile, ResolvesARelativePathAgainstTheWorkingDirectory) {
  const std::string relative = std::filesystem::relative(file_, std::filesystem::current_path()).string();
  ASSERT_FALSE(std::filesystem::path(relative).is_absolute());
  auto fetched = fetch(source(WasmSourceKind::File, "file://" + relative));
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(text_of(*fetched), kWasmMagic);
}

TEST_F(SourceFile, MissingFileNamesThePathAndTheSystemReason) {
  const std::string missing = (dir_ / "absent.wasm").string();
  const std::string message = error_of(source(WasmSourceKind::File, missing));
  EXPECT_THAT(message, HasSubstr("wasm source File " + missing));
  EXPECT_THAT(message, HasSubstr("No such file or directory"));
}

TEST_F(SourceFile, Sha256PinIsCheckedCaseInsensitively) {
  const std::string sha = sha256_hex(SourceBytes(kWasmMagic.begin(), kWasmMagic.end()));
  std::string upper = sha;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto fetched = fetch(source(WasmSourceKind::File, file_.string(), R"({"sha256":")" + upper + R"("})"));
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(fetched->sha256, sha);
}

TEST_F(SourceFile, Sha256MismatchRefusesTheBytes) {
  const std::string other(64, 'a');
  const std::string message =
      error_of(source(WasmSourceKind::File, file_.string(), R"({"sha256":")" + other + R"("})"));
  EXPECT_THAT(message, HasSubstr("sha256 mismatch: expected " + other));
  EXPECT_THAT(message, HasSubstr("got " + sha256_hex(SourceBytes(kWasmMagic.begin(), kWasmMagic.end()))));
}

TEST_F(SourceFile, MalformedPinIsRefusedBeforeFetching) {
  EXPECT_THAT(error_of(source(WasmSourceKind::File, file_.string(), R"({"sha256":"abc"})")),
              HasSubstr("opts.sha256: expected 64 hexadecimal digits"));
}

TEST_F(SourceFetch, HttpReturnsTheBodyOf200WithTheConfiguredMethodAndHeaders) {
  http_->route("http://cdn.test/x.wasm", FakeHttp::reply(200, std::string(kWasmMagic)));
  auto fetched = fetch(source(WasmSourceKind::Http, "http://cdn.test/x.wasm",
                              R"({"method":"post","headers":{"X-Token":"t1","X-Num":3}})"));
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(text_of(*fetched), kWasmMagic);
  const auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(http_->header(0, "X-Token"), "t1");
  EXPECT_EQ(http_->header(0, "X-Num"), "3");
  EXPECT_EQ(requests[0].target.host, "cdn.test");
  EXPECT_EQ(requests[0].target.target, "/x.wasm");
}

TEST_F(SourceFetch, HttpStatusOtherThan200IsABadResponseWithTheStatus) {
  http_->route("http://cdn.test/missing.wasm", FakeHttp::reply(404, "nope"));
  http_->route("http://cdn.test/empty.wasm", FakeHttp::reply(204, ""));
  const std::string message = error_of(source(WasmSourceKind::Http, "http://cdn.test/missing.wasm"));
  EXPECT_THAT(message, HasSubstr("wasm source Http http://cdn.test/missing.wasm: bad response 404"));
  EXPECT_THAT(message, HasSubstr("nope"));
  EXPECT_THAT(error_of(source(WasmSourceKind::Http, "http://cdn.test/empty.wasm")),
              HasSubstr("bad response 204"));
}

TEST_F(SourceFetch, HttpTimeoutIsReportedWithTheConfiguredMilliseconds) {
  http_->route(
      "http://cdn.test/slow.wasm", [](const abi::HttpFetchRequest&) -> Result<abi::HttpFetchResponse> {
        return make_error(Errc::UpstreamTimeout, "timeout: http_request to http://cdn.test/slow.wasm");
      });
  EXPECT_THAT(error_of(source(WasmSourceKind::Http, "http://cdn.test/slow.wasm", R"({"timeout":250})")),
              HasSubstr("timeout after 250 ms"));
}

TEST_F(SourceFetch, HttpDeadlineDefaultsToTenSecondsAndFollowsOptsTimeout) {
  http_->route("http://cdn.test/x.wasm", FakeHttp::reply(200, "x"));
  const auto before = engine::Clock::now();
  ASSERT_TRUE(fetch(source(WasmSourceKind::Http, "http://cdn.test/x.wasm")).ok());
  ASSERT_TRUE(fetch(source(WasmSourceKind::Http, "http://cdn.test/x.wasm", R"({"timeout":1500})")).ok());
  const auto after = engine::Clock::now();
  const auto deadlines = http_->deadlines();
  EXPECT_GE(deadlines[0], before + 10s);
  EXPECT_LE(deadlines[0], after + 10s);
  EXPECT_GE(deadlines[1], before + 1500ms);
  EXPECT_LE(deadlines[1], after + 1500ms);
}

TEST_F(SourceFetch, InvalidUrlAndInvalidHeaderAreRefused) {
  EXPECT_THAT(error_of(source(WasmSourceKind::Http, "ftp://cdn.test/x.wasm")),
              HasSubstr("scheme must be http"));
  EXPECT_THAT(
      error_of(source(WasmSourceKind::Http, "http://cdn.test/x.wasm", R"({"headers":{"X-Bad":"a\nb"}})")),
      HasSubstr("opts.headers.X-Bad: not a valid HTTP header"));
  EXPECT_TRUE(http_->requests().empty());
}

TEST_F(SourceFetch, RedirectsAreFollowedByDefaultRelativeOrAbsolute) {
  http_->route("http://a.test/dir/x.wasm", FakeHttp::reply(302, "", {{"Location", "y.wasm"}}));
  http_->route("http://a.test/dir/y.wasm", FakeHttp::reply(301, "", {{"location", "/z.wasm"}}));
  http_->route("http://a.test/z.wasm", FakeHttp::reply(307, "", {{"Location", "http://b.test/final.wasm"}}));
  http_->route("http://b.test/final.wasm", FakeHttp::reply(200, "final"));
  auto fetched = fetch(source(WasmSourceKind::Http, "http://a.test/dir/x.wasm"));
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(text_of(*fetched), "final");
  const auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1].target.target, "/dir/y.wasm");
  EXPECT_EQ(requests[2].target.target, "/z.wasm");
  EXPECT_EQ(requests[3].target.host, "b.test");
}

TEST_F(SourceFetch, RedirectIsABadResponseWhenFollowRedirectIsOff) {
  http_->route("http://a.test/x.wasm", FakeHttp::reply(302, "", {{"Location", "http://b.test/x.wasm"}}));
  EXPECT_THAT(error_of(source(WasmSourceKind::Http, "http://a.test/x.wasm", R"({"followRedirect":false})")),
              HasSubstr("bad response 302"));
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(SourceFetch, RedirectLoopsStopAfterFiveHops) {
  http_->route("http://a.test/loop.wasm",
               FakeHttp::reply(302, "", {{"Location", "http://a.test/loop.wasm"}}));
  EXPECT_THAT(error_of(source(WasmSourceKind::Http, "http://a.test/loop.wasm")),
              HasSubstr("too many redirects (more than 5)"));
  EXPECT_EQ(http_->requests().size(), 6u);
}

TEST_F(SourceFetch, CrossOriginRedirectDropsCredentialsAndSeeOtherBecomesGet) {
  http_->route("http://a.test/x.wasm", FakeHttp::reply(303, "", {{"Location", "http://b.test/x.wasm"}}));
  http_->route("http://b.test/x.wasm", FakeHttp::reply(200, "ok"));
  auto fetched = fetch(source(WasmSourceKind::Http, "http://a.test/x.wasm",
                              R"({"method":"POST","headers":{"Authorization":"Bearer s","X-Keep":"k"}})"));
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(http_->header(0, "Authorization"), "Bearer s");
  EXPECT_EQ(http_->header(1, "Authorization"), "");
  EXPECT_EQ(http_->header(1, "X-Keep"), "k");
  EXPECT_EQ(http_->requests()[1].method, "GET");
}

TEST_F(SourceFetch, LocalClassPathAndUnknownSourcesAreNotFetched) {
  EXPECT_THAT(error_of(source(WasmSourceKind::Local, "wasm-plugin_1")),
              HasSubstr("resolved by the plugin layer"));
  EXPECT_THAT(error_of(source(WasmSourceKind::ClassPath, "wasm/coraza.wasm")), HasSubstr("not supported"));
  EXPECT_THAT(error_of(source(WasmSourceKind::Unknown, "")), HasSubstr("unknown source"));
}

// The real blocking client against a loopback server.
class SourceFetchReal : public ::testing::Test {
 protected:
  Result<FetchedSource> fetch(const WasmSource& s) { return fetch_source(s, SourceFetchContext{}); }
  testing::LoopbackHttpServer server_;
};

TEST_F(SourceFetchReal, DownloadsFromALoopbackServer) {
  auto fetched = fetch(source(WasmSourceKind::Http, server_.url("/hello")));
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(text_of(*fetched), "hello world");
}

TEST_F(SourceFetchReal, NotFoundIsABadResponse404) {
  auto fetched = fetch(source(WasmSourceKind::Http, server_.url("/status/404")));
  ASSERT_FALSE(fetched.ok());
  EXPECT_THAT(fetched.error().message, HasSubstr("bad response 404 (body: nope)"));
}

TEST_F(SourceFetchReal, SilentServerTimesOut) {
  auto fetched = fetch(source(WasmSourceKind::Http, server_.url("/silent"), R"({"timeout":200})"));
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, Errc::PluginLoad);
  EXPECT_THAT(fetched.error().message, HasSubstr("timeout after 200 ms"));
}

TEST_F(SourceFetchReal, UnresolvableHostNamesTheHost) {
  auto fetched =
      fetch(source(WasmSourceKind::Http, "http://no-such-host.invalid/x.wasm", R"({"timeout":5000})"));
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, Errc::PluginLoad);
  EXPECT_THAT(fetched.error().message, HasSubstr("no-such-host.invalid"));
  EXPECT_THAT(fetched.error().message, HasSubstr("resolving the host"));
}

}  // namespace
}  // namespace wasmgate::wasm
