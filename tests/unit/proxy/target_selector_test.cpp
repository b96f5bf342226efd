#include "proxy/target_selector.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace wasmgate::proxy {
namespace {

model::Target target(int port, int weight = 1, bool backup = false) {
  model::Target t;
  t.hostname = "127.0.0.1";
  t.port = port;
  t.weight = weight;
  t.backup = backup;
  return t;
}

std::map<int, int> distribution(const std::vector<model::Target>& targets, int calls) {
  std::map<int, int> counts;
  for (int i = 0; i < calls; ++i) {
    auto idx = select_target(targets, static_cast<std::uint64_t>(i));
    if (idx) counts[targets[*idx].port]++;
  }
  return counts;
}

TEST(SelectTarget, RoundRobinsEvenlyWithEqualWeights) {
  auto counts = distribution({target(1), target(2), target(3)}, 300);
  EXPECT_EQ(counts[1], 100);
  EXPECT_EQ(counts[2], 100);
  EXPECT_EQ(counts[3], 100);
}

TEST(SelectTarget, HonoursWeights) {
  auto counts = distribution({target(1, 1), target(2, 3)}, 200);
  EXPECT_EQ(counts[1], 50);
  EXPECT_EQ(counts[2], 150);
}

TEST(SelectTarget, ZeroWeightNeverServes) {
  auto counts = distribution({target(1, 0), target(2, 1)}, 10);
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[2], 10);
}

TEST(SelectTarget, BackupsServeOnlyWhenNoPrimaryIsUsable) {
  std::vector<model::Target> targets{target(1), target(2), target(9, 1, true)};
  auto counts = distribution(targets, 100);
  EXPECT_EQ(counts[9], 0);

  auto only_second = [](std::size_t i) { return i != 0; };
  for (std::uint64_t c = 0; c < 10; ++c) EXPECT_EQ(*select_target(targets, c, only_second), 1u);

  auto no_primary = [](std::size_t i) { return i == 2; };
  EXPECT_EQ(*select_target(targets, 0, no_primary), 2u);
}

TEST(SelectTarget, NothingUsableGivesNothing) {
  std::vector<model::Target> targets{target(1), target(2, 1, true)};
  EXPECT_FALSE(select_target(targets, 0, [](std::size_t) { return false; }));
  EXPECT_FALSE(select_target(std::vector<model::Target>{}, 0));
}

}  // namespace
}  // namespace wasmgate::proxy
