// Engine micro-benchmarks (DESIGN §5): what one crossing costs. One question per benchmark:
//   CallNopI32        host → guest, `() -> i32` fast path (the Extism call shape), store locked per call
//   CallNopI32Locked  the same inside a StoreLock (how a VM lease would call: several calls per lock)
//   CallNopI32Generic host → guest through the general call path (boxed values, result vector), locked
//   CallWithDeadline  the locked fast path with a per-call deadline (watchdog arm + disarm)
//   GuestToHost       guest → C++ host function, per call (a loop of 10 000 inside one guest call)
//   GuestToGuest      guest → another instance's export (kernel-style import), per call
//   InstantiateSmall  instantiate a small module (compiled once) in a warm store: 2 host imports + 1 memory.
//                     Dominated by the memory: V8 reserves 10 GiB of address space per wasm memory (guard
//                     regions) and frees dropped instances' memories only at GC, so the figure includes that
//                     churn.
//   InstantiateNoImports{With,No}Memory  the same split by what it costs
//   InstantiateKernelAndGuest  the VM shape: kernel instance + guest linked to it
//   NewStore          a fresh isolate + context
// Run: build-<x>/bench/engine_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasm/engine/engine.h"
#include "wasm/engine/v8/v8_engine.h"

namespace {

using namespace wasmgate::engine;

std::vector<std::uint8_t> fixture(const std::string& name) {
  std::ifstream in(std::string(WASMGATE_FIXTURES_DIR) + "/" + name + ".wasm", std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

Engine& engine() {
  static std::unique_ptr<Engine> e = create_v8_engine();
  return *e;
}

ModulePtr module(const std::string& name) {
  auto m = engine().compile(fixture(name));
  if (!m) throw std::runtime_error(name + ": " + m.error().message);
  return *m;
}

Imports host_imports() {
  Imports imports;
  auto add = [](HostCall& call) {
    call.results()[0] = Value::i32(call.arg(0).as_i32() + call.arg(1).as_i32());
    return wasmgate::Result<void>();
  };
  FuncType type{{ValType::I32, ValType::I32}, {ValType::I32}};
  imports.add("env", "host_add", HostFunction{"env.host_add", type, add});
  imports.add("env", "host_echo", HostFunction{"env.host_echo", type, add});
  return imports;
}

void CallNopI32(benchmark::State& state) {
  auto store = engine().new_store();
  auto instance = std::move(*store->instantiate(module("host_add"), host_imports()));
  FuncHandle nop = *instance->func("nop");
  for (auto _ : state) benchmark::DoNotOptimize(instance->call_i32(nop));
}
BENCHMARK(CallNopI32);

void CallNopI32Locked(benchmark::State& state) {
  auto store = engine().new_store();
  auto instance = std::move(*store->instantiate(module("host_add"), host_imports()));
  FuncHandle nop = *instance->func("nop");
  StoreLock lock(*store);
  for (auto _ : state) benchmark::DoNotOptimize(instance->call_i32(nop));
}
BENCHMARK(CallNopI32Locked);

void CallNopI32Generic(benchmark::State& state) {
  auto store = engine().new_store();
  auto instance = std::move(*store->instantiate(module("host_add"), host_imports()));
  FuncHandle nop = *instance->func("nop");
  StoreLock lock(*store);
  for (auto _ : state) benchmark::DoNotOptimize(instance->call(nop, {}));
}
BENCHMARK(CallNopI32Generic);

void CallWithDeadline(benchmark::State& state) {
  auto store = engine().new_store();
  auto instance = std::move(*store->instantiate(module("host_add"), host_imports()));
  FuncHandle nop = *instance->func("nop");
  StoreLock lock(*store);
  for (auto _ : state)
    benchmark::DoNotOptimize(instance->call_i32(nop, deadline_after(std::chrono::seconds(1))));
}
BENCHMARK(CallWithDeadline);

constexpr int kCrossingsPerCall = 10000;

void GuestToHost(benchmark::State& state) {
  auto store = engine().new_store();
  auto instance = std::move(*store->instantiate(module("host_add"), host_imports()));
  FuncHandle loop = *instance->func("call_host_n");
  const Value n[] = {Value::i32(kCrossingsPerCall)};
  for (auto _ : state) benchmark::DoNotOptimize(instance->call(loop, n));
  state.SetItemsProcessed(state.iterations() * kCrossingsPerCall);
}
BENCHMARK(GuestToHost);

void GuestToGuest(benchmark::State& state) {
  auto store = engine().new_store();
  auto kernel = std::move(*store->instantiate(module("kernel"), {}));
  Imports imports;
  imports.add_instance("kernel", *kernel);
  auto guest = std::move(*store->instantiate(module("linked"), imports));
  FuncHandle loop = *guest->func("call_kernel_n");
  const Value n[] = {Value::i32(kCrossingsPerCall)};
  for (auto _ : state) benchmark::DoNotOptimize(guest->call(loop, n));
  state.SetItemsProcessed(state.iterations() * kCrossingsPerCall);
}
BENCHMARK(GuestToGuest);

void InstantiateSmall(benchmark::State& state) {
  auto store = engine().new_store();
  ModulePtr m = module("host_add");
  Imports imports = host_imports();
  for (auto _ : state) {
    auto instance = store->instantiate(m, imports);
    benchmark::DoNotOptimize(instance);
  }
}
BENCHMARK(InstantiateSmall);

void InstantiateNoImportsWithMemory(benchmark::State& state) {
  auto store = engine().new_store();
  ModulePtr m = module("kernel");
  for (auto _ : state) benchmark::DoNotOptimize(store->instantiate(m, {}));
}
BENCHMARK(InstantiateNoImportsWithMemory);

void InstantiateNoImportsNoMemory(benchmark::State& state) {
  auto store = engine().new_store();
  ModulePtr m = module("loop");
  for (auto _ : state) benchmark::DoNotOptimize(store->instantiate(m, {}));
}
BENCHMARK(InstantiateNoImportsNoMemory);

void InstantiateKernelAndGuest(benchmark::State& state) {
  auto store = engine().new_store();
  ModulePtr kernel_module = module("kernel");
  ModulePtr guest_module = module("linked");
  for (auto _ : state) {
    auto kernel = std::move(*store->instantiate(kernel_module, {}));
    Imports imports;
    imports.add_instance("kernel", *kernel);
    auto guest = store->instantiate(guest_module, imports);
    benchmark::DoNotOptimize(guest);
  }
}
BENCHMARK(InstantiateKernelAndGuest);

void NewStore(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(engine().new_store());
}
BENCHMARK(NewStore)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
