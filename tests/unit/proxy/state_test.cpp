#include "proxy/state.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <string>

namespace wasmgate::proxy {
namespace {

// An in-memory EntityStore: just enough for StateHolder (list, get, version).
class MemoryStore final : public store::EntityStore {
 public:
  void set(const std::string& kind, const std::string& id, std::string_view json) {
    data_[kind][id] = boost::json::parse(json).as_object();
    ++version_;
  }
  void erase(const std::string& kind, const std::string& id) {
    data_[kind].erase(id);
    ++version_;
  }
  int list_calls = 0;

  Result<std::vector<store::StoredEntity>> list(std::string_view kind) override {
    ++list_calls;
    std::vector<store::StoredEntity> out;
    for (const auto& [id, json] : data_[std::string(kind)]) out.push_back({id, json});
    return out;
  }
  Result<std::optional<boost::json::object>> get(std::string_view kind, std::string_view id) override {
    auto& m = data_[std::string(kind)];
    auto it = m.find(std::string(id));
    if (it == m.end()) return std::optional<boost::json::object>{};
    return std::optional<boost::json::object>{it->second};
  }
  Result<void> create(std::string_view, std::string_view, const boost::json::object&) override { return {}; }
  Result<void> put(std::string_view, std::string_view, const boost::json::object&) override { return {}; }
  Result<bool> remove(std::string_view, std::string_view) override { return false; }
  Result<std::size_t> remove_all(std::string_view) override { return std::size_t{0}; }
  Result<void> apply(const std::vector<store::EntityWrite>&) override { return {}; }
  Result<std::size_t> count(std::string_view) override { return std::size_t{0}; }
  std::uint64_t version() override { return version_; }

 private:
  std::map<std::string, std::map<std::string, boost::json::object>> data_;
  std::uint64_t version_ = 1;
};

std::string route_json(const std::string& id, const std::string& domain) {
  return R"({"id":")" + id + R"(","name":")" + id + R"(","frontend":{"domains":[")" + domain +
         R"("]},"backend":{"targets":[{"hostname":"127.0.0.1","port":9000}]}})";
}

TEST(StateHolder, StartsWithAnEmptySnapshot) {
  auto store = std::make_shared<MemoryStore>();
  StateHolder state(store);
  ASSERT_TRUE(state.current());
  EXPECT_EQ(state.current()->routes.size(), 0u);
  EXPECT_EQ(state.version(), 0u);
}

TEST(StateHolder, ReloadPublishesParsedRoutesAndBumpsTheVersion) {
  auto store = std::make_shared<MemoryStore>();
  store->set("routes", "r1", route_json("r1", "a.oto.tools"));
  StateHolder state(store);
  ASSERT_TRUE(state.reload());
  EXPECT_EQ(state.version(), 1u);
  auto snap = state.current();
  EXPECT_EQ(snap->version, 1u);
  ASSERT_EQ(snap->routes.size(), 1u);
  EXPECT_EQ(snap->routes.routes()[0]->id, "r1");
  ASSERT_TRUE(snap->global_config);
}

TEST(StateHolder, SkipsInvalidEntitiesAndServesTheOthers) {
  auto store = std::make_shared<MemoryStore>();
  store->set("routes", "good", route_json("good", "a.oto.tools"));
  store->set("routes", "bad", R"({"frontend":42})");
  StateHolder state(store);
  ASSERT_TRUE(state.reload());
  ASSERT_EQ(state.current()->routes.size(), 1u);
  EXPECT_EQ(state.current()->routes.routes()[0]->id, "good");
}

TEST(StateHolder, ReloadIfChangedOnlyRebuildsWhenTheStoreMoved) {
  auto store = std::make_shared<MemoryStore>();
  store->set("routes", "r1", route_json("r1", "a.oto.tools"));
  StateHolder state(store);
  ASSERT_TRUE(state.reload_if_changed());
  EXPECT_EQ(state.version(), 1u);
  const int calls = store->list_calls;
  ASSERT_TRUE(state.reload_if_changed());
  EXPECT_EQ(store->list_calls, calls);
  EXPECT_EQ(state.version(), 1u);

  store->set("routes", "r2", route_json("r2", "b.oto.tools"));
  ASSERT_TRUE(state.reload_if_changed());
  EXPECT_EQ(state.version(), 2u);
  EXPECT_EQ(state.current()->routes.size(), 2u);
}

TEST(StateHolder, OldSnapshotsStayValidWhileHeld) {
  auto store = std::make_shared<MemoryStore>();
  store->set("routes", "r1", route_json("r1", "a.oto.tools"));
  StateHolder state(store);
  ASSERT_TRUE(state.reload());
  auto held = state.current();
  store->erase("routes", "r1");
  ASSERT_TRUE(state.reload());
  EXPECT_EQ(state.current()->routes.size(), 0u);
  EXPECT_EQ(held->routes.size(), 1u);
}

TEST(StateHolder, ApplyChangesRereadsOnlyTheNamedEntities) {
  auto store = std::make_shared<MemoryStore>();
  store->set("routes", "r1", route_json("r1", "a.oto.tools"));
  store->set("routes", "r2", route_json("r2", "b.oto.tools"));
  StateHolder state(store);
  ASSERT_TRUE(state.reload());
  const auto* r2_before = state.current()->routes.routes()[1].get();
  const int lists = store->list_calls;

  store->set("routes", "r1", route_json("r1", "changed.oto.tools"));
  store->set("routes", "r3", route_json("r3", "c.oto.tools"));
  ASSERT_TRUE(state.apply_changes({{"routes", "r1"}, {"routes", "r3"}}));
  EXPECT_EQ(store->list_calls, lists) << "a delta must not list the whole kind";
  auto snap = state.current();
  ASSERT_EQ(snap->routes.size(), 3u);
  EXPECT_EQ(snap->routes.routes()[0]->frontend.domains[0].host, "changed.oto.tools");
  EXPECT_EQ(snap->routes.routes()[1].get(), r2_before) << "untouched routes keep their parsed object";

  store->erase("routes", "r3");
  ASSERT_TRUE(state.apply_changes({{"routes", "r3"}}));
  EXPECT_EQ(state.current()->routes.size(), 2u);

  store->erase("routes", "r1");
  store->erase("routes", "r2");
  ASSERT_TRUE(state.apply_changes({{"routes", ""}}));  // delete-all
  EXPECT_EQ(state.current()->routes.size(), 0u);
}

TEST(StateHolder, ReloadReusesParsedEntitiesWhoseJsonDidNotChange) {
  auto store = std::make_shared<MemoryStore>();
  store->set("routes", "r1", route_json("r1", "a.oto.tools"));
  StateHolder state(store);
  ASSERT_TRUE(state.reload());
  // Stored documents are normalized ones in practice; store the normalized form to exercise the cache.
  const auto normalized = state.current()->routes.routes()[0]->json;
  store->set("routes", "r1", boost::json::serialize(normalized));
  ASSERT_TRUE(state.reload());
  const auto* first = state.current()->routes.routes()[0].get();
  store->set("routes", "r2", route_json("r2", "b.oto.tools"));
  ASSERT_TRUE(state.reload());
  EXPECT_EQ(state.current()->routes.routes()[0].get(), first);
}

}  // namespace
}  // namespace wasmgate::proxy
