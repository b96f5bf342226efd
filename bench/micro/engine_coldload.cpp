// Cold load of a big module in a fresh process, with and without the on-disk code cache: what a gateway
// restart costs per plugin. Each run is one process (V8 also shares compiled modules in-process, so an
// in-process loop would measure that cache, not ours).
//   engine_coldload [--cache-dir DIR] [--wait] [module.wasm]
// --wait blocks until the cache file is written (after TurboFan), as a first start would eventually do.
// Prints: compile ms, first call ms, a full sweep of all functions ms (Liftoff vs TurboFan code shows here).
#include <chrono>
#include <cstdio>
#include <cstring>
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
}  // namespace

int main(int argc, char** argv) {
  EngineOptions options;
  std::string path = std::string(WASMGATE_FIXTURES_DIR) + "/big_switch.wasm";
  bool wait = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cache-dir") == 0 && i + 1 < argc) {
      options.code_cache_dir = argv[++i];
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

  start = Clock::now();
  auto module = engine->compile(bytes);
  const double compile_ms = ms_since(start);
  if (!module) {
    std::fprintf(stderr, "%s\n", module.error().message.c_str());
    return 1;
  }

  auto store = engine->new_store();
  start = Clock::now();
  auto instance = store->instantiate(*module, {});
  const double instantiate_ms = ms_since(start);
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
      "module %.2f MB  cache=%s from_cache=%d  engine %.1f ms  compile %.1f ms  instantiate %.2f ms  "
      "first call %.3f ms  sweep(200) %.1f ms  cache write wait %.0f ms  [ok=%d/%d]\n",
      static_cast<double>(bytes.size()) / (1024 * 1024), options.code_cache_dir.empty() ? "off" : "on",
      (*module)->from_code_cache(), engine_ms, compile_ms, instantiate_ms, first_call_ms, sweep_ms, wait_ms,
      first.ok(), sweep.ok());
  return 0;
}
