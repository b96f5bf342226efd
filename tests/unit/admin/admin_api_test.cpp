// Cross-cutting behaviour of AdminApi::handle: on_change accounting, store failures, concurrent creates.
#include "admin/admin_api.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "admin_test_support.h"

namespace wasmgate::admin {
namespace {

using testing::AdminApiTest;
using testing::kPlugins;
using testing::kRoutes;

class AdminApiBehaviourTest : public AdminApiTest {};

TEST_F(AdminApiBehaviourTest, OnChangeRunsExactlyOncePerSuccessfulWrite) {
  const std::string one = std::string(kPlugins) + "/wasm-plugin_a";
  call("GET", kPlugins);                                // read
  call("POST", kPlugins, R"({"id":"wasm-plugin_a"})");  // 400
  EXPECT_EQ(changes_, 0);
  call("POST", kPlugins, plugin_json("wasm-plugin_a"));       // write 1
  call("POST", kPlugins, plugin_json("wasm-plugin_a"));       // 409
  call("GET", one);                                           // read
  call("PUT", one, plugin_json("wasm-plugin_a", "renamed"));  // write 2
  call("PATCH", one, R"([{"op":"remove","path":"/name"}])");  // 400
  call("PATCH", one, R"({"description":"patched"})");         // write 3
  call("GET", std::string(kPlugins) + "/_count");             // read
  call("DELETE", one);                                        // write 4
  call("DELETE", one);                                        // 404
  call("DELETE", kPlugins);                                   // nothing to delete
  EXPECT_EQ(changes_, 4);
}

TEST_F(AdminApiBehaviourTest, OnChangeNamesWhatWasWritten) {
  using Changes = store::EntityChanges;
  auto as_pairs = [](const Changes& c) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& x : c) out.emplace_back(x.kind, x.id);
    return out;
  };
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  call("POST", kRoutes, route_json("route_a"));
  EXPECT_EQ(as_pairs(last_changes_), (Pairs{{"routes", "route_a"}}));
  call("PATCH", std::string(kPlugins) + "/missing", R"({"name":"x"})");  // 404: no notification
  EXPECT_EQ(as_pairs(last_changes_), (Pairs{{"routes", "route_a"}}));
  call("POST", std::string(kPlugins) + "/_bulk", plugin_json("wasm-plugin_b") + "\n" + plugin_json("wasm-plugin_c"),
       {{"Content-Type", "application/x-ndjson"}});
  EXPECT_EQ(as_pairs(last_changes_), (Pairs{{"wasm-plugins", "wasm-plugin_b"}, {"wasm-plugins", "wasm-plugin_c"}}));
  call("DELETE", kRoutes);
  EXPECT_EQ(as_pairs(last_changes_), (Pairs{{"routes", ""}})) << "delete-all names the kind with an empty id";
  call("PATCH", "/api/globalconfig", R"({"apiReadOnly":false})");
  EXPECT_EQ(as_pairs(last_changes_), (Pairs{{"global-configs", "global"}}));
}

// A store whose reads see nothing and whose writes fail, as a full disk would.
class BrokenStore final : public store::EntityStore {
 public:
  Result<std::vector<store::StoredEntity>> list(std::string_view) override {
    return std::vector<store::StoredEntity>{};
  }
  Result<std::optional<boost::json::object>> get(std::string_view, std::string_view) override {
    return std::optional<boost::json::object>{};
  }
  Result<void> create(std::string_view kind, std::string_view id, const boost::json::object&) override {
    return fail("create", kind, id);
  }
  Result<void> put(std::string_view kind, std::string_view id, const boost::json::object&) override {
    return fail("put", kind, id);
  }
  Result<bool> remove(std::string_view kind, std::string_view id) override {
    return fail("remove", kind, id);
  }
  Result<std::size_t> remove_all(std::string_view kind) override { return fail("remove_all", kind, "*"); }
  Result<void> apply(const std::vector<store::EntityWrite>&) override { return fail("apply", "batch", "-"); }
  Result<std::size_t> count(std::string_view) override { return std::size_t{0}; }
  std::uint64_t version() override { return 1; }

 private:
  static Error fail(std::string_view op, std::string_view kind, std::string_view id) {
    return make_error(Errc::Storage, std::string(op) + " " + std::string(kind) + "/" + std::string(id) +
                                         ": database or disk is full");
  }
};

TEST(AdminApiStoreFailure, WriteFailuresAre500NamingTheCauseAndDoNotNotify) {
  int changes = 0;
  AdminApi api(std::make_shared<BrokenStore>(), AdminOptions{}, [&](const store::EntityChanges&) { ++changes; });
  auto request = [](std::string method, std::string target, std::string body) {
    return HttpRequest{std::move(method),
                       std::move(target),
                       {{"Otoroshi-Client-Id", "admin-api-apikey-id"},
                        {"Otoroshi-Client-Secret", "admin-api-apikey-secret"},
                        {"Content-Type", "application/x-ndjson"}},
                       std::move(body),
                       ""};
  };
  HttpResponse create =
      api.handle(request("POST", kPlugins, R"({"id":"wasm-plugin_a","name":"n","description":"d"})"));
  EXPECT_EQ(create.status, 500);
  EXPECT_NE(create.body.find("disk is full"), std::string::npos) << create.body;
  HttpResponse bulk = api.handle(request("POST", std::string(kPlugins) + "/_bulk",
                                         R"({"id":"wasm-plugin_a","name":"n","description":"d"})"));
  EXPECT_EQ(bulk.status, 500);
  EXPECT_NE(bulk.body.find("nothing was written"), std::string::npos) << bulk.body;
  EXPECT_EQ(api.handle(request("PUT", "/api/globalconfig", "{}")).status, 500);
  EXPECT_EQ(changes, 0);
}

TEST_F(AdminApiBehaviourTest, ConcurrentCreatesOfOneIdHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      HttpResponse r =
          call("POST", kRoutes, route_json("route_race", "race" + std::to_string(i) + ".oto.tools"));
      (r.status == 201 ? created : r.status == 409 ? conflicts : other)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(stored("routes"), 1u);
}

}  // namespace
}  // namespace wasmgate::admin
