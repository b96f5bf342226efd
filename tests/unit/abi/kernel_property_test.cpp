// Randomized alloc/free/reset sequences against a model, with pinned seeds: live blocks never overlap, stay
// aligned and inside memory, keep their length and their bytes, and nothing else passes for a block.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "kernel_test_support.h"

namespace wasmgate::abi {
namespace {

struct LiveBlock {
  std::uint64_t length = 0;
  std::uint8_t fill = 0;
};

// The model: handles the kernel must treat as live, and their contents.
class KernelModel {
 public:
  KernelModel(std::uint64_t seed, const engine::CompileOptions& options) : rng_(seed), vm_(options) {}

  // `steps` random operations; with a memory cap, allocations may fail (0) once memory is full. Without
  // resets, blocks accumulate until memory is full.
  void run(int steps, bool may_fail, bool resets) {
    for (int step = 0; step < steps; ++step) {
      const std::uint64_t op = rng_() % 100;
      if (op < 55 || live_.empty()) {
        alloc_one(step, may_fail);
      } else if (op < 93) {
        free_one();
      } else if (op < 98 || !resets) {
        probe_invalid();
      } else {
        vm_.reset();
        for (const auto& [h, block] : live_) dead_.push_back(h);
        live_.clear();
        ASSERT_EQ(vm_.memory_bytes(), 0u);
      }
      if (::testing::Test::HasFatalFailure()) return;
      if (step % 100 == 0) check_all_live();
    }
    check_all_live();
  }

  int failed_allocs() const { return failed_allocs_; }

 private:
  // Sizes: mostly small, some medium, a few that need memory to grow.
  std::uint64_t random_size() {
    const std::uint64_t pick = rng_() % 100;
    if (pick < 70) return 1 + rng_() % 128;
    if (pick < 95) return 1 + rng_() % 4096;
    return 1 + rng_() % 100000;
  }

  void alloc_one(int step, bool may_fail) {
    const std::uint64_t n = random_size();
    const std::uint64_t h = vm_.alloc(n);
    if (h == 0 && may_fail) {
      ++failed_allocs_;
      return;
    }
    ASSERT_NE(h, 0u) << "step " << step << " alloc " << n;
    ASSERT_EQ(h % kKernelBlockAlignBytes, 0u);
    ASSERT_LE(h + n, vm_.view().size);
    ASSERT_EQ(live_.count(h), 0u) << "handle " << h << " handed out twice";
    ASSERT_EQ(vm_.length(h), n);
    LiveBlock block{n, static_cast<std::uint8_t>(rng_() % 255 + 1)};
    auto span = vm_.view().slice(h, n);
    ASSERT_TRUE(span.has_value()) << h;
    std::memset(span->data(), block.fill, span->size());
    live_[h] = block;
    std::erase(dead_, h);
  }

  void free_one() {
    auto it = live_.begin();
    std::advance(it, static_cast<long>(rng_() % live_.size()));
    vm_.free(it->first);
    ASSERT_EQ(vm_.length(it->first), 0u);
    dead_.push_back(it->first);
    live_.erase(it);
  }

  // Addresses inside live blocks and freed handles are not blocks.
  void probe_invalid() {
    auto it = live_.begin();
    std::advance(it, static_cast<long>(rng_() % live_.size()));
    const std::uint64_t inside = it->first + 1 + rng_() % 32;
    if (live_.count(inside) == 0) {
      ASSERT_EQ(vm_.length(inside), 0u) << inside;
    }
    for (std::uint64_t h : dead_) {
      if (live_.count(h) == 0) {
        ASSERT_EQ(vm_.length(h), 0u) << h;
      }
    }
  }

  // Whole blocks (header + capacity, read from the headers) are disjoint; data is what was written.
  void check_all_live() {
    const engine::MemoryView view = vm_.view();
    const KernelState state = vm_.state();
    std::uint64_t previous_end = 0;
    for (const auto& [h, block] : live_) {  // ordered by handle
      const auto capacity = view.load<std::uint32_t>(h - kKernelBlockHeaderBytes + kKernelBlockCapacity);
      ASSERT_TRUE(capacity.has_value());
      ASSERT_GE(*capacity, block.length);
      ASSERT_GE(h - kKernelBlockHeaderBytes, previous_end) << "block " << h << " overlaps the one before";
      previous_end = h + *capacity;
      ASSERT_LE(previous_end, state.heap_top);
      auto data = kernel_block(view, state, h);
      ASSERT_TRUE(data.has_value()) << h;
      ASSERT_EQ(data->size(), block.length) << h;
      for (std::uint8_t byte : *data) ASSERT_EQ(byte, block.fill) << "block " << h << " was overwritten";
    }
  }

  std::mt19937_64 rng_;
  testing::KernelVm vm_;
  std::map<std::uint64_t, LiveBlock> live_;
  std::vector<std::uint64_t> dead_;  // freed or reset handles: never valid again until handed out anew
  int failed_allocs_ = 0;
};

class KernelProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(KernelProperty, RandomAllocFreeResetKeepsBlocksDisjointAndIntact) {
  KernelModel model(GetParam(), {});
  model.run(1500, false, true);
}

// A memory cap keeps the heap full, so most allocations reuse or split freed blocks instead of carving new
// ones.
TEST_P(KernelProperty, UnderAMemoryCapFreedBlocksAreSplitAndReusedWithoutOverlap) {
  engine::CompileOptions capped;
  capped.max_memory_pages = 6;
  KernelModel model(GetParam(), capped);
  model.run(3000, true, false);
  EXPECT_GT(model.failed_allocs(), 0);  // the cap was really reached
}

INSTANTIATE_TEST_SUITE_P(PinnedSeeds, KernelProperty,
                         ::testing::Values(1u, 42u, 2024u, 0xC0FFEEu, 987654321u));

}  // namespace
}  // namespace wasmgate::abi
