// Shared helpers for the kernel tests: one V8 engine, the kernel compiled once, and `KernelVm`, a kernel
// instance in its own store with typed wrappers around its exports.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasm/abi/extism/kernel_module.h"
#include "wasm/engine/engine.h"
#include "wasm/engine/v8/v8_engine.h"

namespace wasmgate::abi::testing {

using engine::Value;

inline engine::Engine& shared_engine() {
  static std::unique_ptr<engine::Engine> engine = engine::create_v8_engine();
  return *engine;
}

inline engine::ModulePtr compile_kernel(const engine::CompileOptions& options = {}) {
  auto module = shared_engine().compile(extism_kernel_wasm(), options);
  EXPECT_TRUE(module.ok()) << (module ? "" : module.error().message);
  return module ? *module : nullptr;
}

inline Value u64_value(std::uint64_t v) {
  return Value::i64(static_cast<std::int64_t>(v));
}

class KernelVm {
 public:
  explicit KernelVm(const engine::CompileOptions& options = {}) : store_(shared_engine().new_store()) {
    auto instance = store_->instantiate(compile_kernel(options), engine::Imports{});
    EXPECT_TRUE(instance.ok()) << instance.message();
    if (!instance) return;
    instance_ = std::move(*instance);
    auto state = instance_->global_get(kKernelStateGlobal);
    EXPECT_TRUE(state.ok()) << state.message();
    if (state) state_address_ = static_cast<std::uint32_t>(state->as_i32());
  }
  ~KernelVm() { instance_.reset(); }

  engine::Instance& instance() { return *instance_; }
  engine::Store& store() { return *store_; }
  std::uint32_t state_address() const { return state_address_; }

  // Calls `name`; the raw result, for tests about traps.
  engine::CallResult<std::vector<Value>> call(std::string_view name, std::initializer_list<Value> args) {
    auto it = funcs_.find(name);
    if (it == funcs_.end()) {
      auto f = instance_->func(name);
      EXPECT_TRUE(f.has_value()) << "kernel export " << name;
      it = funcs_.emplace(std::string(name), *f).first;
    }
    return instance_->call(it->second, std::span<const Value>(args.begin(), args.size()));
  }
  // Calls `name` expecting success; its one result (as u64) or 0 when it returns nothing.
  std::uint64_t call_ok(std::string_view name, std::initializer_list<Value> args) {
    auto result = call(name, args);
    EXPECT_TRUE(result.ok()) << name << ": " << result.message();
    if (!result || result->empty()) return 0;
    const Value& v = result->at(0);
    return v.type() == engine::ValType::I32 ? static_cast<std::uint32_t>(v.as_i32())
                                            : static_cast<std::uint64_t>(v.as_i64());
  }

  std::uint64_t alloc(std::uint64_t n) { return call_ok("alloc", {u64_value(n)}); }
  void free(std::uint64_t h) { call_ok("free", {u64_value(h)}); }
  std::uint64_t length(std::uint64_t h) { return call_ok("length", {u64_value(h)}); }
  std::uint64_t length_unsafe(std::uint64_t h) { return call_ok("length_unsafe", {u64_value(h)}); }
  std::uint64_t load_u8(std::uint64_t p) { return call_ok("load_u8", {u64_value(p)}); }
  std::uint64_t load_u64(std::uint64_t p) { return call_ok("load_u64", {u64_value(p)}); }
  void store_u8(std::uint64_t p, std::uint32_t v) {
    call_ok("store_u8", {u64_value(p), Value::i32(static_cast<std::int32_t>(v))});
  }
  void store_u64(std::uint64_t p, std::uint64_t v) { call_ok("store_u64", {u64_value(p), u64_value(v)}); }
  void reset() { call_ok("reset", {}); }
  std::uint64_t memory_bytes() { return call_ok("memory_bytes", {}); }
  // wg_prepare_call is (i32) -> i32, both unsigned.
  std::uint64_t prepare_call(std::uint64_t n) {
    return call_ok(kKernelPrepareCall, {Value::i32(static_cast<std::int32_t>(static_cast<std::uint32_t>(n)))});
  }

  // Writes `bytes` into a fresh block and returns its handle (host side, as a host function would).
  std::uint64_t alloc_bytes(std::string_view bytes) {
    const std::uint64_t h = alloc(bytes.size());
    auto span = view().slice(h, bytes.size());
    EXPECT_TRUE(span.has_value());
    if (span) std::copy(bytes.begin(), bytes.end(), span->begin());
    return h;
  }

  engine::MemoryView view() { return instance_->memory()->view(); }
  KernelState state() {
    auto state = read_kernel_state(view(), state_address_);
    EXPECT_TRUE(state.has_value()) << "wg_state unreadable at " << state_address_;
    return state.value_or(KernelState{});
  }
  std::string bytes_at(std::uint64_t p, std::uint64_t n) {
    auto span = view().slice(p, n);
    return span ? std::string(span->begin(), span->end()) : std::string("<out of bounds>");
  }

 private:
  engine::StorePtr store_;
  engine::InstancePtr instance_;
  std::uint32_t state_address_ = 0;
  std::map<std::string, engine::FuncHandle, std::less<>> funcs_;
};

}  // namespace wasmgate::abi::testing
