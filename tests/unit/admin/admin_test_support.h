// A real AdminApi over a real SQLite store in a fresh temp folder, driven with in-memory HttpRequests.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin_api.h"
#include "core/ids.h"
#include "store/entity_store.h"

namespace wasmgate::admin::testing {

namespace json = boost::json;

inline constexpr const char* kPlugins = "/apis/plugins.otoroshi.io/v1/wasm-plugins";
inline constexpr const char* kRoutes = "/apis/proxy.otoroshi.io/v1/routes";

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wasmgate-admin-test-" + uuid_v4());
    auto opened = store::open_sqlite_entity_store(dir_.string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = *opened;
    api_ = std::make_unique<AdminApi>(store_, options(), [this](const store::EntityChanges& c) {
      ++changes_;
      last_changes_ = c;
    });
  }

  void TearDown() override {
    api_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  virtual AdminOptions options() const { return AdminOptions{}; }

  // A request with the default admin credentials in Otoroshi's headers; Content-Type application/json for a
  // body unless `extra` sets one.
  HttpResponse call(std::string method, std::string target, std::string body = "", HeaderList extra = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = {{"Otoroshi-Client-Id", "admin-api-apikey-id"},
                 {"Otoroshi-Client-Secret", "admin-api-apikey-secret"}};
    if (!r.body.empty() && !find_header(extra, "Content-Type"))
      r.headers.emplace_back("Content-Type", "application/json");
    for (auto& h : extra) r.headers.push_back(std::move(h));
    return api_->handle(r);
  }

  HttpResponse call_without_auth(std::string method, std::string target, HeaderList headers = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = std::move(headers);
    return api_->handle(r);
  }

  static json::value body(const HttpResponse& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << r.body;
    return v;
  }

  static std::vector<json::value> ndjson_lines(const HttpResponse& r) {
    std::vector<json::value> out;
    std::string_view rest = r.body;
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      out.push_back(json::parse(rest.substr(0, nl)));
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    return out;
  }

  static std::string header(const HttpResponse& r, std::string_view name) {
    auto v = find_header(r.headers, name);
    return v ? std::string(*v) : std::string();
  }

  static std::string error_of(const HttpResponse& r) {
    json::value v = body(r);
    const auto* obj = v.if_object();
    const json::value* e = obj ? obj->if_contains("error") : nullptr;
    return e && e->is_string() ? std::string(e->get_string()) : std::string("<no error member> ") + r.body;
  }

  std::size_t stored(std::string_view kind) {
    auto n = store_->count(kind);
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : 0;
  }

  static std::string plugin_json(std::string_view id, std::string_view name = "my plugin") {
    return json::serialize(json::object{{"id", id}, {"name", name}, {"description", "a plugin"}});
  }

  static std::string route_json(std::string_view id, std::string_view domain = "api.oto.tools") {
    return json::serialize(json::object{
        {"id", id},
        {"name", "my route"},
        {"frontend", json::object{{"domains", json::array{domain}}}},
        {"backend",
         json::object{{"targets", json::array{json::object{{"hostname", "localhost"}, {"port", 8081}}}}}}});
  }

  std::filesystem::path dir_;
  store::EntityStorePtr store_;
  std::unique_ptr<AdminApi> api_;
  int changes_ = 0;
  store::EntityChanges last_changes_;
};

}  // namespace wasmgate::admin::testing
