// Vm::call micro-benchmarks (DESIGN §5: the per-call path must stay lean). One question each:
//   EngineFloor             bare engine call of the guest's `noop` (fast path + deadline), store pinned: the
//                           floor any VM call pays
//   PartPrepareCall         the kernel's wg_prepare_call alone ((i32) -> i32 fast path)
//   PartMemoryView          one Memory::view() (the VM takes two per call)
//   VmNoop/N                Vm::call("noop") with an N-byte input, store locked per call (no pin): a call
//                           as plugin_runtime makes it (one per lease); VmNoop/0 is the "overhead" baseline
//   VmNoopPinned/N          the same inside a Pin (several calls under one lock): the VM's own overhead is
//                           this minus EngineFloor (prepare call, input memcpy, wg_state read, stats)
//   VmEchoZeroCopyPinned/N  + an N-byte output copied out (guest sets the input block as output)
//   VmEchoPinned/N          the PDK-style echo: guest copies input with input_load_u64 and output with
//                           alloc + store_u64 (≈ N/4 wasm→wasm kernel calls), inside a Pin
//   VmEcho/N                the PDK-style echo as plugin_runtime calls it (no pin): what a real plugin call
//                           costs end to end, N bytes copied in and N bytes copied out
//   VmEchoZeroCopy/N        echo_zero_copy the same way: VmEcho minus this is the guest's PDK copy loops
//   VmInstantiate           Vm::create from modules compiled once (what a pool pays per new VM): a store
//                           (isolate + context), the kernel and guest instances, the guest's initialisers
// bench/wasm_vs_extism.sh runs EngineFloor, VmNoop, VmEcho, VmEchoZeroCopy and VmInstantiate against Node's
// @extism/extism (bench/node/extism_echo.mjs): their CPU column is the whole process's (V8's and the
// watchdog's threads included), as Node's process.cpuUsage() is.
// Run: build-<x>/bench/vm_call_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "wasm/abi/extism/linker.h"
#include "wasm/engine/v8/v8_engine.h"
#include "wasm/vm.h"

namespace {

using namespace wasmgate;

std::vector<std::uint8_t> fixture(const std::string& name) {
  std::ifstream in(std::string(WASMGATE_EXTISM_FIXTURES_DIR) + "/" + name + ".wasm", std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

engine::Engine& engine() {
  static std::unique_ptr<engine::Engine> e = engine::create_v8_engine();
  return *e;
}

wasm::VmSpec echo_spec() {
  wasm::VmSpec spec;
  spec.plugin_id = "bench";
  spec.log_level = abi::PluginLogLevel::Off;
  return spec;
}

wasm::VmPtr echo_vm() {
  wasm::VmSpec spec = echo_spec();
  spec.wasm = fixture("echo");
  auto vm = wasm::Vm::create(engine(), std::move(spec));
  if (!vm) throw std::runtime_error(vm.error().message);
  return std::move(*vm);
}

// The kernel and echo guest linked in a pinned store, without a Vm: for the floor and the parts of a call.
struct Linked {
  engine::StorePtr store = engine().new_store();
  std::optional<engine::StoreLock> lock;
  engine::InstancePtr kernel, guest;

  Linked() {
    auto modules = wasm::compile_vm_modules(engine(), fixture("echo"), 100, "bench");
    lock.emplace(*store);
    kernel = std::move(*store->instantiate((*modules)->kernel, engine::Imports{}));
    engine::Imports imports;
    abi::add_extism_imports(imports, (*modules)->guest->info(), *kernel, {});
    guest = std::move(*store->instantiate((*modules)->guest, imports));
  }
  ~Linked() {
    guest.reset();
    kernel.reset();
    lock.reset();
  }
};

void EngineFloor(benchmark::State& state) {
  Linked linked;
  const auto noop = *linked.guest->func("noop");
  for (auto _ : state) {
    auto rc = linked.guest->call_i32(noop, engine::deadline_after(std::chrono::seconds(10)));
    benchmark::DoNotOptimize(rc);
  }
}
BENCHMARK(EngineFloor)->MeasureProcessCPUTime();

// Parts of Vm::call, each alone: the kernel's wg_prepare_call (the (i32) -> i32 fast path) and one
// Memory::view().
void PartPrepareCall(benchmark::State& state) {
  Linked linked;
  const auto prepare = *linked.kernel->func("wg_prepare_call");
  for (auto _ : state) {
    auto r = linked.kernel->call_i32_i32(prepare, 1024);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(PartPrepareCall);

void PartMemoryView(benchmark::State& state) {
  Linked linked;
  engine::Memory* memory = linked.kernel->memory();
  for (auto _ : state) benchmark::DoNotOptimize(memory->view());
}
BENCHMARK(PartMemoryView);

void call_loop(benchmark::State& state, wasm::Vm& vm, const char* function) {
  const std::string input(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    auto out = vm.call(function, input);
    if (!out) state.SkipWithError(out.error().message.c_str());
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void VmNoop(benchmark::State& state) {
  auto vm = echo_vm();
  call_loop(state, *vm, "noop");
}
BENCHMARK(VmNoop)->Arg(0)->Arg(1024)->MeasureProcessCPUTime();

void VmEcho(benchmark::State& state) {
  auto vm = echo_vm();
  call_loop(state, *vm, "echo");
}
BENCHMARK(VmEcho)->Arg(1024)->Arg(65536)->MeasureProcessCPUTime();

void VmEchoZeroCopy(benchmark::State& state) {
  auto vm = echo_vm();
  call_loop(state, *vm, "echo_zero_copy");
}
BENCHMARK(VmEchoZeroCopy)->Arg(1024)->MeasureProcessCPUTime();

void VmNoopPinned(benchmark::State& state) {
  auto vm = echo_vm();
  auto pin = vm->pin();
  call_loop(state, *vm, "noop");
}
BENCHMARK(VmNoopPinned)->Arg(0)->Arg(1024)->Arg(16384);

void VmEchoZeroCopyPinned(benchmark::State& state) {
  auto vm = echo_vm();
  auto pin = vm->pin();
  call_loop(state, *vm, "echo_zero_copy");
}
BENCHMARK(VmEchoZeroCopyPinned)->Arg(100)->Arg(1024)->Arg(16384);

void VmEchoPinned(benchmark::State& state) {
  auto vm = echo_vm();
  auto pin = vm->pin();
  call_loop(state, *vm, "echo");
}
BENCHMARK(VmEchoPinned)->Arg(100)->Arg(1024)->Arg(16384)->Arg(65536);

void VmInstantiate(benchmark::State& state) {
  auto modules = wasm::compile_vm_modules(engine(), fixture("echo"), wasm::kDefaultMemoryPages, "bench");
  if (!modules) throw std::runtime_error(modules.error().message);
  for (auto _ : state) {
    wasm::VmSpec spec = echo_spec();
    spec.modules = *modules;
    auto vm = wasm::Vm::create(engine(), std::move(spec));
    if (!vm) state.SkipWithError(vm.error().message.c_str());
    benchmark::DoNotOptimize(vm);
  }
}
BENCHMARK(VmInstantiate)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
