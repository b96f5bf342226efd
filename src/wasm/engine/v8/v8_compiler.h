// Compiles wasm bytes in a private isolate (one per engine, one compile at a time) and keeps the on-disk code
// cache: with a cache dir, compiles go through V8's streaming API, which can take previously serialized code
// (SetCompiledModuleBytes) and tells us when TurboFan has finished (WasmStreaming::Client) — the moment to
// serialize, since Liftoff code is not worth caching.
#pragma once

#include <v8.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "core/error.h"
#include "wasm/engine/code_cache_dir.h"

namespace wasmgate::engine {

// Shared with background clients that outlive a compile (and possibly the engine).
struct CodeCacheState {
  explicit CodeCacheState(CodeCacheDir d) : dir(std::move(d)) {}
  CodeCacheDir dir;
  std::atomic<std::uint64_t> loads{0};
  std::atomic<std::uint64_t> writes{0};
  std::atomic<std::uint64_t> rejects{0};
  std::mutex mutex;
  std::condition_variable idle;
  int pending = 0;  // clients that have neither written nor been dropped; guarded by mutex
};

struct V8Compiled {
  v8::CompiledWasmModule compiled;
  bool from_code_cache = false;
};

class V8Compiler {
 public:
  // `cache` may be null (no code cache).
  V8Compiler(v8::Platform* platform, v8::ArrayBuffer::Allocator* allocator,
             std::shared_ptr<CodeCacheState> cache);
  ~V8Compiler();
  V8Compiler(const V8Compiler&) = delete;
  V8Compiler& operator=(const V8Compiler&) = delete;

  // Thread-safe (serialized). Errc::PluginLoad "invalid wasm: CompileError: …".
  Result<V8Compiled> compile(std::span<const std::uint8_t> bytes, const std::string& sha256);
  bool wait_for_cache_writes(std::chrono::milliseconds timeout);

 private:
  Result<V8Compiled> compile_sync(std::span<const std::uint8_t> bytes);
  Result<V8Compiled> compile_streaming(std::span<const std::uint8_t> bytes, const std::string& sha256);
  bool validate(std::span<const std::uint8_t> bytes);

  v8::Platform* platform_;
  std::shared_ptr<CodeCacheState> cache_;
  std::mutex mutex_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
};

}  // namespace wasmgate::engine
