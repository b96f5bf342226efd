#include "wasm/engine/v8/v8_instance.h"

#include <fmt/format.h>

#include <algorithm>

#include "wasm/engine/v8/v8_host.h"
#include "wasm/engine/v8/v8_memory.h"
#include "wasm/engine/v8/v8_store.h"
#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

namespace {
Failure orphaned() {
  return make_failure(Outcome::Internal, "instance used after its store was destroyed");
}
}  // namespace

V8Instance::V8Instance(V8Store& store, ModulePtr module, void* user_data)
    : store_(&store), module_(std::move(module)), user_data_(user_data) {
  store.add_instance(this);
}

V8Instance::~V8Instance() {
  for (HostBinding* binding : bindings_) binding->importer = nullptr;
  if (store_ == nullptr) return;
  StoreScope scope(*store_);
  release_handles();
  store_->remove_instance(this);
}

void V8Instance::orphan() {
  for (HostBinding* binding : bindings_) binding->importer = nullptr;
  bindings_.clear();
  release_handles();
  store_ = nullptr;
}

void V8Instance::release_handles() {
  for (auto& slot : extern_slots_) {
    if (slot) store_->release_extern(*slot);
  }
  extern_slots_.clear();
  memories_.clear();
  funcs_.clear();
  exports_.clear();
  object_.Reset();
}

void V8Instance::attach(v8::Local<v8::Context> context, v8::Local<v8::Object> instance) {
  v8::Isolate* isolate = store_->isolate();
  object_.Reset(isolate, instance);
  v8::Local<v8::Object> exports = get_object(context, instance, "exports");
  const auto& descs = module_->info().exports;
  exports_.resize(descs.size());
  memories_.resize(descs.size());
  extern_slots_.resize(descs.size());
  for (std::size_t i = 0; i < descs.size(); ++i) {
    v8::Local<v8::Value> value;
    if (exports.IsEmpty() || !exports->Get(context, v8_string(isolate, descs[i].name)).ToLocal(&value))
      continue;
    exports_[i].Reset(isolate, value);
    if (descs[i].type.kind == ExternKind::Func && value->IsFunction()) {
      func_by_name_.emplace(descs[i].name, static_cast<std::uint32_t>(funcs_.size()));
      funcs_.emplace_back(isolate, value.As<v8::Function>());
      func_types_.push_back(&descs[i].type.func);
    }
  }
}

void V8Instance::adopt_binding(HostBinding* binding) {
  binding->importer = this;
  bindings_.push_back(binding);
}

void V8Instance::add_memory_bytes(v8::Isolate* isolate, std::vector<const void*>& seen,
                                  std::uint64_t& bytes) const {
  const auto& descs = module_->info().exports;
  for (std::size_t i = 0; i < exports_.size(); ++i) {
    if (descs[i].type.kind != ExternKind::Memory || exports_[i].IsEmpty()) continue;
    auto buffer = exports_[i].Get(isolate).As<v8::WasmMemoryObject>()->Buffer();
    const void* base = buffer->Data();
    if (std::find(seen.begin(), seen.end(), base) != seen.end()) continue;
    seen.push_back(base);
    bytes += buffer->ByteLength();
  }
}

std::optional<std::size_t> V8Instance::export_index(std::string_view name) const {
  const auto& descs = module_->info().exports;
  // Until attach() (during the start function) and after orphan(), exports_ is empty: nothing is exported
  // yet.
  for (std::size_t i = 0; i < exports_.size(); ++i) {
    if (descs[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<FuncHandle> V8Instance::func(std::string_view name) const {
  auto it = func_by_name_.find(name);
  if (it == func_by_name_.end()) return std::nullopt;
  return FuncHandle{it->second, func_types_[it->second]};
}

Memory* V8Instance::memory(std::string_view name) {
  if (store_ == nullptr) return nullptr;
  auto index = export_index(name);
  if (!index || module_->info().exports[*index].type.kind != ExternKind::Memory ||
      exports_[*index].IsEmpty()) {
    return nullptr;
  }
  if (!memories_[*index]) {
    StoreScope scope(*store_);
    auto object = exports_[*index].Get(store_->isolate()).As<v8::WasmMemoryObject>();
    memories_[*index] = std::make_unique<V8Memory>(*store_, object);
  }
  return memories_[*index].get();
}

CallResult<std::size_t> V8Instance::global_export(std::string_view name) const {
  auto index = export_index(name);
  if (!index || module_->info().exports[*index].type.kind != ExternKind::Global ||
      exports_[*index].IsEmpty()) {
    return make_failure(Outcome::BadArgument, fmt::format("global \"{}\" not exported (exports: {})", name,
                                                          module_->info().export_names()));
  }
  return *index;
}

CallResult<Value> V8Instance::global_get(std::string_view name) {
  if (store_ == nullptr) return orphaned();
  auto index = global_export(name);
  if (!index) return index.take_failure();
  StoreScope scope(*store_);
  v8::Isolate* isolate = store_->isolate();
  v8::TryCatch try_catch(isolate);
  const GlobalType& type = module_->info().exports[*index].type.global;
  v8::Local<v8::Value> value;
  auto global = exports_[*index].Get(isolate).As<v8::Object>();
  if (!global->Get(scope.context(), v8_string(isolate, "value")).ToLocal(&value)) {
    return make_failure(Outcome::Internal, describe_exception(isolate, try_catch.Exception()));
  }
  Value converted;
  if (!from_v8(value, type.type, converted)) {
    return make_failure(Outcome::BadArgument, fmt::format("global \"{}\" ({}) cannot cross to the host", name,
                                                          val_type_name(type.type)));
  }
  return converted;
}

CallResult<void> V8Instance::global_set(std::string_view name, const Value& value) {
  if (store_ == nullptr) return orphaned();
  auto index = global_export(name);
  if (!index) return index.take_failure();
  const GlobalType& type = module_->info().exports[*index].type.global;
  if (!type.is_mutable)
    return make_failure(Outcome::BadArgument, fmt::format("global \"{}\" is immutable", name));
  if (type.type != value.type() || type.type == ValType::FuncRef || type.type == ValType::V128) {
    return make_failure(Outcome::BadArgument, fmt::format("global \"{}\" is {}, cannot set a {}", name,
                                                          type.to_string(), val_type_name(value.type())));
  }
  StoreScope scope(*store_);
  v8::Isolate* isolate = store_->isolate();
  v8::TryCatch try_catch(isolate);
  auto global = exports_[*index].Get(isolate).As<v8::Object>();
  if (global->Set(scope.context(), v8_string(isolate, "value"), to_v8(isolate, value)).IsNothing()) {
    return make_failure(Outcome::BadArgument, describe_exception(isolate, try_catch.Exception()));
  }
  return {};
}

std::optional<Extern> V8Instance::export_extern(std::string_view name) {
  if (store_ == nullptr) return std::nullopt;
  auto index = export_index(name);
  if (!index || exports_[*index].IsEmpty()) return std::nullopt;
  const ExternType& type = module_->info().exports[*index].type;
  if (!extern_slots_[*index]) {
    StoreScope scope(*store_);
    extern_slots_[*index] = store_->add_extern(exports_[*index].Get(store_->isolate()), type);
  }
  return Extern{type, store_->id(), *extern_slots_[*index]};
}

}  // namespace wasmgate::engine
