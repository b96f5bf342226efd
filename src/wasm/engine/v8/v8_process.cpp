#include "wasm/engine/v8/v8_process.h"

#include <libplatform/libplatform.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <string>

namespace wasmgate::engine {

namespace {

// Why these flags (spec/wasm-engine-v8.md): V8 10.2's dynamic tiering ran hot code 1.5–2× slower and scaled
// badly across threads; without it every function is compiled by Liftoff at once and by TurboFan in the
// background. Reference types, bulk memory, multi-value, sign extension, mutable globals and BigInt i64
// integration are all shipped (on by default) in 10.2, so no --experimental-wasm-* flag is needed.
std::string flags_for(const EngineOptions& options) {
  std::string flags = "--no-wasm-dynamic-tiering";
  if (options.process_max_memory_pages != 0) {
    flags += " --wasm-max-mem-pages=" + std::to_string(options.process_max_memory_pages);
  }
  if (!options.extra_flags.empty()) flags += " " + options.extra_flags;
  return flags;
}

struct Process {
  std::unique_ptr<v8::Platform> platform;
  std::string flags;
  int compile_threads = 0;
};

// Leaked on purpose: V8 worker threads may still run at exit, and the platform must outlive them.
Process& process() {
  static Process* p = new Process;
  return *p;
}

}  // namespace

v8::Platform* v8_platform(const EngineOptions& options) {
  static std::once_flag once;
  const std::string flags = flags_for(options);
  std::call_once(once, [&] {
    Process& p = process();
    p.flags = flags;
    p.compile_threads = options.compile_threads;
    v8::V8::SetFlagsFromString(flags.c_str(), flags.size());
    // Out-of-bounds accesses become signals handled by V8 (guard regions) instead of explicit bounds checks.
    if (!v8::V8::EnableWebAssemblyTrapHandler(true)) {
      spdlog::warn("wasm engine: V8 trap handler unavailable; bounds checks are explicit (slower)");
    }
    p.platform = v8::platform::NewDefaultPlatform(options.compile_threads);
    v8::V8::InitializePlatform(p.platform.get());
    v8::V8::Initialize();
  });
  Process& p = process();
  if (flags != p.flags || options.compile_threads != p.compile_threads) {
    spdlog::warn("wasm engine: V8 is process-wide and already started with \"{}\"; ignoring \"{}\"", p.flags,
                 flags);
  }
  return p.platform.get();
}

const char* v8_version_string() {
  return v8::V8::GetVersion();
}

}  // namespace wasmgate::engine
