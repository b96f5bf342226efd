// Cold load of a big module in a fresh process, with and without the on-disk code cache: what a gateway
// restart costs per plugin. Each run is one process (V8 also shares compiled modules in-process, so an
// in-process loop would measure that cache, not ours).
//   engine_coldload [--cache-dir DIR] [--wait] [--v8-flags "--flag ..."] [module.wasm]
// --wait blocks until the cache file is written (after TurboFan), as a first start would eventually do.
// Prints: compile ms, first call ms, a full sweep of all functions ms (Liftoff vs TurboFan code shows here).
// Compile and instantiate also as CPU ms of the whole process (V8's worker threads included): on a shared,
// loaded machine the wall time includes waiting for a core.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasm/engine/engine.h"
#include "wasm/engine/v8/v8_engine.h"

using namespace wasmgate::engine;

namespace {
double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}
}  // namespace

int main(int argc, char** argv) {
  EngineOptions options;
  std::string path = std::string(WASMGATE_FIXTURES_DIR) + "/big_switch.wasm";
  bool wait = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cache-dir") == 0 && i + 1 < argc) {
      options.code_cache_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--v8-flags") == 0 && i + 1 < argc) {
      options.extra_flags = argv[++i];  // experiments, e.g. --wasm-lazy-compilation
    } else if (std::strcmp(argv[i], "--wait") == 0) {
      wait = true;
    } else {
      path = argv[i];
    }
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
  if (bytes.empty()) {
    std::fprintf(stderr, "cannot read %s (build target wasm_fixtures_big)\n", path.c_str());
    return 2;
  }

  auto start = Clock::now();
  auto engine = create_v8_engine(options);
  const double engine_ms = ms_since(start);

  double cpu_start = process_cpu_ms();
  start = Clock::now();
  auto module = engine->compile(bytes);
  const double compile_ms = ms_since(start);
  const double compile_cpu_ms = process_cpu_ms() - cpu_start;
  if (!module) {
    std::fprintf(stderr, "%s\n", module.error().message.c_str());
    return 1;
  }

  auto store = engine->new_store();
  cpu_start = process_cpu_ms();
  start = Clock::now();
  auto instance = store->instantiate(*module, {});
  const double instantiate_ms = ms_since(start);
  const double instantiate_cpu_ms = process_cpu_ms() - cpu_start;
  if (!instance) return 1;

  const Value args[] = {Value::i32(1234), Value::i32(99)};
  start = Clock::now();
  auto first = (*instance)->call("run", args);
  const double first_call_ms = ms_since(start);

  const Value rounds[] = {Value::i32(200)};
  start = Clock::now();
  auto sweep = (*instance)->call("sweep", rounds);
  const double sweep_ms = ms_since(start);

  double wait_ms = 0;
  if (wait) {
    start = Clock::now();
    engine->wait_for_code_cache_writes(std::chrono::minutes(5));
    wait_ms = ms_since(start);
  }
  std::printf(
      "module %.2f MB  cache=%s from_cache=%d  engine %.1f ms  compile %.1f ms (cpu %.1f ms)  "
      "instantiate %.2f ms (cpu %.2f ms)  first call %.3f ms  sweep(200) %.1f ms  cache write wait %.0f ms  "
      "[ok=%d/%d]\n",
      static_cast<double>(bytes.size()) / (1024 * 1024), options.code_cache_dir.empty() ? "off" : "on",
      (*module)->from_code_cache(), engine_ms, compile_ms, compile_cpu_ms, instantiate_ms, instantiate_cpu_ms,
      first_call_ms, sweep_ms, wait_ms, first.ok(), sweep.ok());
  return 0;
}
