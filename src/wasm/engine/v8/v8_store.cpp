#include "wasm/engine/v8/v8_store.h"

#include <fmt/format.h>
#include <libplatform/libplatform.h>

#include <algorithm>
#include <functional>

#include "wasm/engine/v8/v8_host.h"
#include "wasm/engine/v8/v8_instance.h"
#include "wasm/engine/v8/v8_memory.h"
#include "wasm/engine/v8/v8_module.h"
#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

namespace {

// Foreground tasks (GC steps, finalization) run per run_pending_tasks() call, at most this many.
constexpr int kMaxPendingTasksPerRun = 64;

v8::Local<v8::Function> wasm_constructor(v8::Local<v8::Context> context, std::string_view name) {
  v8::Local<v8::Object> wasm = get_object(context, context->Global(), "WebAssembly");
  v8::Local<v8::Value> ctor;
  if (wasm.IsEmpty() || !wasm->Get(context, v8_string(context->GetIsolate(), name)).ToLocal(&ctor) ||
      !ctor->IsFunction()) {
    return {};
  }
  return ctor.As<v8::Function>();
}

// The stores this thread keeps locked between uses (keep_store_locks in store.h).
struct KeptStoreLocks {
  bool enabled = false;
  bool scheduled = false;  // `schedule` ran and its release has not yet
  std::function<void()> schedule;
  std::vector<V8Store*> stores;
  // A thread that ends without stop_keeping_store_locks() must not leave isolates locked by a dead thread.
  ~KeptStoreLocks() {
    for (V8Store* store : stores) store->release_kept();
  }
};
thread_local KeptStoreLocks t_kept;

}  // namespace

void keep_store_locks(std::function<void()> schedule) {
  t_kept.enabled = true;
  t_kept.schedule = std::move(schedule);
}

void release_kept_store_locks() {
  t_kept.scheduled = false;
  for (V8Store* store : t_kept.stores) store->release_kept();
  t_kept.stores.clear();
}

void stop_keeping_store_locks() {
  t_kept.enabled = false;
  release_kept_store_locks();
  t_kept.schedule = nullptr;
}

V8Store::V8Store(std::shared_ptr<V8EngineCore> core, const StoreOptions& options)
    : core_(std::move(core)),
      id_(core_->next_store_id.fetch_add(1)),
      name_(options.name),
      timer_(&on_deadline, this) {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = core_->allocator.get();
  if (options.max_heap_bytes != 0)
    params.constraints.ConfigureDefaultsFromHeapSize(0, options.max_heap_bytes);
  isolate_ = v8::Isolate::New(params);
  isolate_->AddNearHeapLimitCallback(&on_near_heap_limit, this);

  StoreLock lock(*this);
  v8::HandleScope handles(isolate_);
  v8::Local<v8::Context> context = v8::Context::New(isolate_);
  context_.Reset(isolate_, context);
  v8::Context::Scope context_scope(context);
  instance_ctor_.Reset(isolate_, wasm_constructor(context, "Instance"));
  memory_ctor_.Reset(isolate_, wasm_constructor(context, "Memory"));
}

V8Store::~V8Store() {
  core_->watchdog.disarm(timer_);
  // Held by this thread for the teardown: waits for another thread's use (or kept lock) to end, takes over
  // this thread's kept lock, or nests in a StoreLock the destroying thread left held.
  lock_thread();
  if (kept_) {
    std::erase(t_kept.stores, this);
    kept_ = false;
  }
  {
    v8::HandleScope handles(isolate_);
    for (V8Instance* instance : std::vector<V8Instance*>(instances_.begin(), instances_.end()))
      instance->orphan();
    instances_.clear();
    for (auto& slot : externs_) {
      if (slot.memory) slot.memory->orphan();
    }
    externs_.clear();
    modules_.clear();
    for (HostBinding* binding : bindings_) binding->function.Reset();
    instance_ctor_.Reset();
    memory_ctor_.Reset();
    context_.Reset();
  }
  while (lock_depth_ > 0) {
    isolate_->Exit();
    --lock_depth_;
  }
  owner_.store(std::thread::id(), std::memory_order_relaxed);
  locker_.reset();
  isolate_->Dispose();
  for (HostBinding* binding : bindings_) delete binding;
}

// --- guest call state
// -----------------------------------------------------------------------------------------

bool V8Store::begin_call(Deadline deadline, bool count) {
  host_error_.reset();
  if (depth_ > 0) {  // nested (a host function calling back in): the outermost deadline stands
    ++depth_;
    return true;
  }
  if (deadline != kNoDeadline && deadline <= Clock::now()) return false;
  ++depth_;
  if (count) ++calls_;
  current_deadline_ = deadline;
  {
    std::lock_guard lock(state_mutex_);
    in_call_ = true;
    stop_reason_ = StopReason::None;
  }
  if (deadline != kNoDeadline) {
    core_->watchdog.arm(timer_, deadline);
    armed_ = true;
  }
  return true;
}

StopReason V8Store::end_call() {
  if (--depth_ > 0) {
    std::lock_guard lock(state_mutex_);
    return stop_reason_;
  }
  if (armed_) {
    core_->watchdog.disarm(timer_);  // after this, the deadline cannot fire for this call
    armed_ = false;
  }
  current_deadline_ = kNoDeadline;
  StopReason reason;
  {
    std::lock_guard lock(state_mutex_);
    in_call_ = false;
    reason = stop_reason_;
    stop_reason_ = StopReason::None;
  }
  // A termination that raced with the end of the call must not hit the next one.
  if (reason != StopReason::None) isolate_->CancelTerminateExecution();
  return reason;
}

void V8Store::stop_locked(StopReason reason) {
  if (!in_call_ || stop_reason_ != StopReason::None) return;
  stop_reason_ = reason;
  isolate_->TerminateExecution();
}

void V8Store::on_deadline(void* self) {
  auto* store = static_cast<V8Store*>(self);
  std::lock_guard lock(store->state_mutex_);
  store->stop_locked(StopReason::Deadline);
}

bool V8Store::terminate() {
  std::lock_guard lock(state_mutex_);
  if (!in_call_) return false;
  stop_locked(StopReason::Terminate);
  return true;
}

std::size_t V8Store::on_near_heap_limit(void* self, std::size_t current_limit,
                                        std::size_t /*initial_limit*/) {
  auto* store = static_cast<V8Store*>(self);
  {
    std::lock_guard lock(store->state_mutex_);
    store->stop_locked(StopReason::HeapLimit);
  }
  // Headroom for the termination to unwind instead of a fatal OOM; the VM is recycled after this outcome.
  return current_limit + current_limit / 2;
}

// --- extern slots, module objects, bindings
// -------------------------------------------------------------------

std::uint32_t V8Store::add_extern(v8::Local<v8::Value> value, const ExternType& type) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(externs_.size());
    externs_.emplace_back();
  }
  externs_[slot].value.Reset(isolate_, value);
  externs_[slot].type = type;
  return slot;
}

void V8Store::release_extern(std::uint32_t slot) {
  if (slot >= externs_.size() || externs_[slot].value.IsEmpty()) return;
  externs_[slot].value.Reset();
  externs_[slot].memory.reset();
  free_slots_.push_back(slot);
}

v8::Local<v8::Value> V8Store::extern_value(const Extern& ext) const {
  if (ext.store_id != id_ || ext.slot >= externs_.size()) return {};
  const ExternSlot& slot = externs_[ext.slot];
  if (slot.value.IsEmpty() || slot.type.kind != ext.type.kind) return {};
  return slot.value.Get(isolate_);
}

v8::Local<v8::WasmModuleObject> V8Store::module_object(const ModulePtr& module) {
  auto it = modules_.find(module.get());
  if (it != modules_.end()) return it->second.object.Get(isolate_);
  const auto& compiled = static_cast<const V8Module&>(*module).compiled();
  v8::Local<v8::WasmModuleObject> object;
  if (!v8::WasmModuleObject::FromCompiledModule(isolate_, compiled).ToLocal(&object)) return {};
  ModuleEntry& entry = modules_[module.get()];
  entry.module = module;
  entry.object.Reset(isolate_, object);
  return object;
}

HostBinding* V8Store::add_binding(std::unique_ptr<HostBinding> binding) {
  HostBinding* raw = binding.release();
  bindings_.insert(raw);
  return raw;
}

void V8Store::forget_binding(HostBinding* binding) {
  if (bindings_.erase(binding) != 0) delete binding;
}

// --- memories, stats, housekeeping
// ----------------------------------------------------------------------------

CallResult<Extern> V8Store::new_memory(const Limits& limits) {
  StoreScope scope(*this);
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Object> descriptor = v8::Object::New(isolate_);
  auto set = [&](const char* key, std::uint64_t value) {
    return descriptor->Set(context, v8_string(isolate_, key),
                           v8::Number::New(isolate_, static_cast<double>(value)));
  };
  if (set("initial", limits.min).IsNothing() || (limits.max && set("maximum", *limits.max).IsNothing()) ||
      (limits.shared &&
       descriptor->Set(context, v8_string(isolate_, "shared"), v8::True(isolate_)).IsNothing())) {
    return make_failure(Outcome::Internal, "cannot build a memory descriptor");
  }
  v8::Local<v8::Value> argv[] = {descriptor};
  v8::Local<v8::Object> memory;
  if (!memory_ctor_.Get(isolate_)->NewInstance(context, 1, argv).ToLocal(&memory)) {
    std::string text = describe_exception(isolate_, try_catch.Exception());
    const Outcome outcome =
        text.find("Out of memory") != std::string::npos ? Outcome::OutOfMemory : Outcome::BadArgument;
    return make_failure(outcome, fmt::format("new memory {}: {}", limits.to_string(), text));
  }
  ExternType type = ExternType::of(ExternKind::Memory);
  type.limits = limits;
  const std::uint32_t slot = add_extern(memory, type);
  externs_[slot].memory = std::make_unique<V8Memory>(*this, memory.As<v8::WasmMemoryObject>());
  return Extern{type, id_, slot};
}

Memory* V8Store::memory(const Extern& memory) {
  if (memory.store_id != id_ || memory.slot >= externs_.size()) return nullptr;
  return externs_[memory.slot].memory.get();
}

StoreStats V8Store::stats() {
  StoreScope scope(*this);
  StoreStats out;
  out.instances = static_cast<std::uint32_t>(instances_.size());
  out.calls = calls_;
  std::vector<const void*> seen;
  for (const V8Instance* instance : instances_) instance->add_memory_bytes(isolate_, seen, out.memory_bytes);
  for (const auto& slot : externs_) {
    if (!slot.memory) continue;
    MemoryView view = slot.memory->view_entered(isolate_);
    if (std::find(seen.begin(), seen.end(), view.base) != seen.end()) continue;
    seen.push_back(view.base);
    out.memory_bytes += view.size;
  }
  out.memories = static_cast<std::uint32_t>(seen.size());
  v8::HeapStatistics heap;
  isolate_->GetHeapStatistics(&heap);
  out.heap = HeapStats{heap.total_heap_size(), heap.used_heap_size(), heap.heap_size_limit(),
                       heap.external_memory(), heap.malloced_memory()};
  return out;
}

void V8Store::lock_thread() {
  const std::thread::id me = std::this_thread::get_id();
  if (owner_.load(std::memory_order_relaxed) != me) {
    // Another thread may hold it, in use or kept for a moment. Waiting while keeping locks of our own
    // could deadlock (that thread may be about to wait for one of ours): let go of them first.
    if (owner_.load() != std::thread::id()) release_kept_store_locks();
    locker_ = std::make_unique<v8::Locker>(isolate_);  // blocks until this thread owns the isolate
    owner_.store(me);
  }
  // A kept lock reused: no V8 locking at all. Entering stays per use, so that a thread keeping several
  // isolates never has one entered under another's scope.
  ++lock_depth_;
  isolate_->Enter();
}

void V8Store::unlock_thread() {
  if (lock_depth_ == 0) return;
  isolate_->Exit();
  if (--lock_depth_ > 0) return;
  if (!t_kept.enabled || !keepable_.load(std::memory_order_relaxed)) {
    owner_.store(std::thread::id(), std::memory_order_relaxed);
    locker_.reset();  // the member is cleared before the isolate is unlocked, for the next owner
    return;
  }
  if (!kept_) {
    kept_ = true;
    t_kept.stores.push_back(this);
  }
  if (!t_kept.scheduled) {
    t_kept.scheduled = true;
    t_kept.schedule();
  }
}

void V8Store::release_kept() {
  kept_ = false;
  if (lock_depth_ > 0) return;  // in use right now (its last unlock keeps it again)
  owner_.store(std::thread::id(), std::memory_order_relaxed);
  locker_.reset();
}

void V8Store::release_kept_lock() {
  // Only the owner may touch kept_ and its thread's list.
  if (holder() == StoreHolder::ThisThread && kept_ && lock_depth_ == 0) {
    std::erase(t_kept.stores, this);
    release_kept();
  }
}

StoreHolder V8Store::holder() const {
  const std::thread::id owner = owner_.load(std::memory_order_relaxed);
  if (owner == std::thread::id()) return StoreHolder::Nobody;
  return owner == std::this_thread::get_id() ? StoreHolder::ThisThread : StoreHolder::OtherThread;
}

void V8Store::run_pending_tasks() {
  StoreLock lock(*this);
  for (int i = 0; i < kMaxPendingTasksPerRun && v8::platform::PumpMessageLoop(core_->platform, isolate_);
       ++i) {
  }
}

}  // namespace wasmgate::engine
