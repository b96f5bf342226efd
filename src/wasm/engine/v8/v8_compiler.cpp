#include "wasm/engine/v8/v8_compiler.h"

#include <libplatform/libplatform.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

namespace {

// `WebAssembly.<name>` as a function (and the WebAssembly object, its receiver); false if absent.
bool webassembly_function(v8::Isolate* isolate, v8::Local<v8::Context> context, const char* name,
                          v8::Local<v8::Object>& wasm, v8::Local<v8::Function>& fn) {
  wasm = get_object(context, context->Global(), "WebAssembly");
  v8::Local<v8::Value> value;
  if (wasm.IsEmpty() || !wasm->Get(context, v8_string(isolate, name)).ToLocal(&value) || !value->IsFunction()) {
    return false;
  }
  fn = value.As<v8::Function>();
  return true;
}

// Serializes a module once TurboFan has finished with it. Runs on a V8 background thread; it may outlive the
// compile and the engine (it holds the cache state, not the engine). Counted as pending until it wrote or
// died.
class CacheWriter final : public v8::WasmStreaming::Client {
 public:
  CacheWriter(std::shared_ptr<CodeCacheState> state, std::string sha256)
      : state_(std::move(state)), sha256_(std::move(sha256)) {
    std::lock_guard lock(state_->mutex);
    ++state_->pending;
  }
  ~CacheWriter() override { settle(); }

  // Nothing will be written for this compile (it failed, or the cache was used). V8 keeps the client until a
  // GC collects the streaming object, so waiting for its destruction would wait for a GC.
  void nothing_to_write() { settle(); }

  void OnModuleCompiled(v8::CompiledWasmModule compiled) override {
    v8::OwnedBuffer buffer = compiled.Serialize();
    if (buffer.size != 0) {
      auto stored = state_->dir.store(sha256_, {buffer.buffer.get(), buffer.size});
      if (stored) {
        state_->writes.fetch_add(1);
      } else {
        spdlog::warn("wasm engine: {}", stored.error().message);
      }
    }
    settle();
  }

 private:
  void settle() {
    if (settled_.exchange(true)) return;
    std::lock_guard lock(state_->mutex);
    if (--state_->pending == 0) state_->idle.notify_all();
  }

  std::shared_ptr<CodeCacheState> state_;
  std::string sha256_;
  std::atomic<bool> settled_{false};
};

// What the streaming callback needs; passed through WebAssembly.compileStreaming's argument as an External.
struct StreamingJob {
  std::span<const std::uint8_t> bytes;
  const MappedFile* cached = nullptr;
  std::shared_ptr<CacheWriter> writer;
  bool cache_accepted = false;
};

void on_wasm_streaming(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::shared_ptr<v8::WasmStreaming> streaming = v8::WasmStreaming::Unpack(isolate, info.Data());
  auto* job = static_cast<StreamingJob*>(info[0].As<v8::External>()->Value());
  if (job->cached != nullptr) {
    const auto code = job->cached->bytes();
    job->cache_accepted = streaming->SetCompiledModuleBytes(code.data(), code.size());
  }
  // Only when V8 will compile: in V8 10.2 the decoder keeps the client in a callback that captures the
  // decoder itself, a cycle broken only when compilation reaches the client. With cached code accepted (or a
  // failed compile) it never does, and decoder + client leak (LeakSanitizer showed it).
  if (!job->cache_accepted) streaming->SetClient(job->writer);
  streaming->OnBytesReceived(job->bytes.data(), job->bytes.size());
  streaming->Finish();
}

Error compile_error(v8::Isolate* isolate, v8::Local<v8::Value> exception) {
  return make_error(Errc::PluginLoad, "invalid wasm: " + describe_exception(isolate, exception));
}

}  // namespace

V8Compiler::V8Compiler(v8::Platform* platform, v8::ArrayBuffer::Allocator* allocator,
                       std::shared_ptr<CodeCacheState> cache)
    : platform_(platform), cache_(std::move(cache)) {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator;
  isolate_ = v8::Isolate::New(params);
  isolate_->SetWasmStreamingCallback(on_wasm_streaming);
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handles(isolate_);
  context_.Reset(isolate_, v8::Context::New(isolate_));
}

V8Compiler::~V8Compiler() {
  {
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    context_.Reset();
  }
  isolate_->Dispose();
}

Result<V8Compiled> V8Compiler::compile(std::span<const std::uint8_t> bytes, const std::string& sha256) {
  std::lock_guard lock(mutex_);
  return cache_ ? compile_streaming(bytes, sha256) : compile_sync(bytes);
}

Result<V8Compiled> V8Compiler::compile_sync(std::span<const std::uint8_t> bytes) {
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handles(isolate_);
  v8::Context::Scope context_scope(context_.Get(isolate_));
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::WasmModuleObject> module;
  if (!v8::WasmModuleObject::Compile(isolate_, {bytes.data(), bytes.size()}).ToLocal(&module)) {
    return compile_error(isolate_, try_catch.Exception());
  }
  return V8Compiled{module->GetCompiledModule(), false};
}

Result<V8Compiled> V8Compiler::compile_streaming(std::span<const std::uint8_t> bytes,
                                                 const std::string& sha256) {
  std::optional<MappedFile> cached = cache_->dir.load(sha256);
  // A compile that fails after SetClient leaks (see on_wasm_streaming): validate first, and let the
  // synchronous compile word the error.
  if (!cached && !validate(bytes)) {
    auto failed = compile_sync(bytes);
    if (!failed) return failed.take_error();
  }
  StreamingJob job;
  job.bytes = bytes;
  job.cached = cached ? &*cached : nullptr;
  job.writer = std::make_shared<CacheWriter>(cache_, sha256);

  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handles(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);

  v8::Local<v8::Object> wasm;
  v8::Local<v8::Function> compile_streaming;
  if (!webassembly_function(isolate_, context, "compileStreaming", wasm, compile_streaming)) {
    return make_error(Errc::Internal, "wasm engine: WebAssembly.compileStreaming is unavailable");
  }
  v8::Local<v8::Value> arg = v8::External::New(isolate_, &job);
  v8::Local<v8::Value> promise_value;
  if (!compile_streaming->Call(context, wasm, 1, &arg).ToLocal(&promise_value)) {
    return compile_error(isolate_, try_catch.Exception());
  }

  // Drive the asynchronous compile to completion on this thread: microtasks start it, foreground tasks finish
  // it.
  auto promise = promise_value.As<v8::Promise>();
  auto nap = std::chrono::microseconds(20);
  while (promise->State() == v8::Promise::kPending) {
    isolate_->PerformMicrotaskCheckpoint();
    if (promise->State() != v8::Promise::kPending) break;
    if (!v8::platform::PumpMessageLoop(platform_, isolate_)) {
      std::this_thread::sleep_for(nap);
      nap = std::min(nap * 2, std::chrono::microseconds(1000));
    }
  }
  if (promise->State() == v8::Promise::kRejected) {
    job.writer->nothing_to_write();
    return compile_error(isolate_, promise->Result());
  }
  if (job.cache_accepted) {
    // [rare] V8 accepted the header but failed to deserialize: it compiles instead and the writer still
    // fires.
    job.writer->nothing_to_write();
    cache_->loads.fetch_add(1);
  } else if (cached) {
    cache_->rejects.fetch_add(1);
  }
  auto module = promise->Result().As<v8::WasmModuleObject>();
  return V8Compiled{module->GetCompiledModule(), job.cache_accepted};
}

bool V8Compiler::validate(std::span<const std::uint8_t> bytes) {
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handles(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Object> wasm;
  v8::Local<v8::Function> validate_fn;
  if (!webassembly_function(isolate_, context, "validate", wasm, validate_fn)) return false;
  // Wraps our bytes without copying; detached right after, so V8 never touches them later.
  auto store = v8::ArrayBuffer::NewBackingStore(const_cast<std::uint8_t*>(bytes.data()), bytes.size(),
                                                v8::BackingStore::EmptyDeleter, nullptr);
  v8::Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate_, std::move(store));
  v8::Local<v8::Value> arg = buffer;
  v8::Local<v8::Value> valid;
  const bool ok =
      validate_fn->Call(context, wasm, 1, &arg).ToLocal(&valid) && valid->IsTrue();
  buffer->Detach();
  return ok;
}

bool V8Compiler::wait_for_cache_writes(std::chrono::milliseconds timeout) {
  if (!cache_) return true;
  std::unique_lock lock(cache_->mutex);
  return cache_->idle.wait_for(lock, timeout, [&] { return cache_->pending == 0; });
}

}  // namespace wasmgate::engine
