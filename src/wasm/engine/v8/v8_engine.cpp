#include "wasm/engine/v8/v8_engine.h"

#include <spdlog/spdlog.h>

#include "wasm/engine/v8/v8_compiler.h"
#include "wasm/engine/v8/v8_module.h"
#include "wasm/engine/v8/v8_process.h"
#include "wasm/engine/v8/v8_store.h"

namespace wasmgate::engine {

namespace {

class V8Engine final : public Engine {
 public:
  explicit V8Engine(const EngineOptions& options) : core_(std::make_shared<V8EngineCore>()) {
    core_->platform = v8_platform(options);
    core_->allocator.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
    if (!options.code_cache_dir.empty()) {
      CodeCacheDir dir(options.code_cache_dir, std::string("v8-") + v8_version_string());
      if (auto prepared = dir.prepare(); prepared) {
        cache_ = std::make_shared<CodeCacheState>(std::move(dir));
      } else {
        spdlog::warn("wasm engine: code cache disabled: {}", prepared.error().message);
      }
    }
    compiler_ = std::make_unique<V8Compiler>(core_->platform, core_->allocator.get(), cache_);
  }

  // Engine
  std::string_view name() const override { return kV8EngineName; }
  std::string version() const override { return std::string("V8 ") + v8_version_string(); }
  StorePtr new_store(const StoreOptions& options) override {
    return std::make_unique<V8Store>(core_, options);
  }
  bool wait_for_code_cache_writes(std::chrono::milliseconds timeout) override {
    return compiler_->wait_for_cache_writes(timeout);
  }

 protected:
  Result<ModulePtr> compile_bytes(std::span<const std::uint8_t> bytes, ModuleInfo info,
                                  const std::string& sha256) override {
    auto compiled = compiler_->compile(bytes, sha256);
    if (!compiled) return compiled.take_error();
    return ModulePtr(std::make_shared<V8Module>(std::move(info), sha256, bytes.size(),
                                                compiled->from_code_cache, std::move(compiled->compiled)));
  }
  void add_code_cache_stats(EngineStats& stats) const override {
    if (!cache_) return;
    stats.code_cache_loads = cache_->loads.load();
    stats.code_cache_writes = cache_->writes.load();
    stats.code_cache_rejects = cache_->rejects.load();
  }

 private:
  std::shared_ptr<V8EngineCore> core_;  // shared with stores, which may outlive the engine
  std::shared_ptr<CodeCacheState> cache_;
  std::unique_ptr<V8Compiler> compiler_;
};

}  // namespace

std::unique_ptr<Engine> create_v8_engine(const EngineOptions& options) {
  return std::make_unique<V8Engine>(options);
}

}  // namespace wasmgate::engine
