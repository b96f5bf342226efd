// V8Store::instantiate: resolves every import of the module against Imports (with our own messages, before V8
// gives its terse ones), builds the JS imports object and runs `new WebAssembly.Instance(module, imports)`.
#include <fmt/format.h>

#include <string_view>

#include "wasm/engine/v8/v8_call.h"
#include "wasm/engine/v8/v8_host.h"
#include "wasm/engine/v8/v8_instance.h"
#include "wasm/engine/v8/v8_module.h"
#include "wasm/engine/v8/v8_store.h"
#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

namespace {

Failure link_error(std::string message) {
  return make_failure(Outcome::LinkError, std::move(message));
}

// Checks that `provided` can satisfy `wanted` where we can say it better than V8 (kinds and function types).
std::optional<Failure> check_type(const ImportDesc& imp, const ExternType& provided, std::string_view what) {
  if (provided.kind != imp.type.kind) {
    return link_error(fmt::format("import {}: the module expects a {} but {} is a {}", imp.qualified_name(),
                                  extern_kind_name(imp.type.kind), what, extern_kind_name(provided.kind)));
  }
  const bool same = provided.kind == ExternKind::Func     ? provided.func == imp.type.func
                    : provided.kind == ExternKind::Global ? provided.global == imp.type.global
                                                          : true;  // memory/table limits: V8 checks them
  if (!same) {
    return link_error(fmt::format("import {}: the module expects {} but {} is {}", imp.qualified_name(),
                                  imp.type.to_string(), what, provided.to_string()));
  }
  return std::nullopt;
}

// The JS value for one import, or a Failure naming the import.
CallResult<v8::Local<v8::Value>> resolve(V8Store& store, v8::Local<v8::Context> context,
                                         const ImportDesc& imp, const Imports& imports,
                                         V8Instance& instance) {
  const ImportValue* found = imports.find(imp.module, imp.name);
  if (found == nullptr) {
    return link_error(fmt::format("missing import {} ({}); available under \"{}\": {}", imp.qualified_name(),
                                  imp.type.to_string(), imp.module, imports.names_in(imp.module)));
  }
  if (const auto* fn = std::get_if<HostFunctionPtr>(found)) {
    ExternType provided = ExternType::of(ExternKind::Func);
    provided.func = (*fn)->type;
    if (auto bad = check_type(imp, provided, "host function " + (*fn)->name)) return std::move(*bad);
    if (auto problem = boundary_problem(provided.func); !problem.empty()) {
      return link_error(fmt::format("import {}: {}", imp.qualified_name(), problem));
    }
    auto binding = std::make_unique<HostBinding>();
    binding->fn = *fn;
    binding->store = &store;
    binding->qualified_name = imp.qualified_name();
    HostBinding* raw = binding.get();
    v8::Local<v8::Function> function = make_host_function(store, context, std::move(binding));
    if (function.IsEmpty())
      return make_failure(Outcome::Internal, "cannot create host function " + imp.qualified_name());
    instance.adopt_binding(raw);
    return v8::Local<v8::Value>(function);
  }
  const Extern& ext = std::get<Extern>(*found);
  if (auto bad = check_type(imp, ext.type, "the provided extern")) return std::move(*bad);
  v8::Local<v8::Value> value = store.extern_value(ext);
  if (value.IsEmpty()) {
    return link_error(fmt::format("import {}: the provided {} belongs to another store or is no longer alive",
                                  imp.qualified_name(), extern_kind_name(ext.type.kind)));
  }
  return value;
}

CallResult<v8::Local<v8::Object>> build_import_object(V8Store& store, v8::Local<v8::Context> context,
                                                      const ModuleInfo& info, const Imports& imports,
                                                      V8Instance& instance) {
  v8::Isolate* isolate = store.isolate();
  v8::Local<v8::Object> root = v8::Object::New(isolate);
  for (const ImportDesc& imp : info.imports) {
    auto value = resolve(store, context, imp, imports, instance);
    if (!value) return value.take_failure();
    v8::Local<v8::String> module_key = v8_string(isolate, imp.module);
    v8::Local<v8::Value> existing;
    v8::Local<v8::Object> namespace_object;
    if (root->Get(context, module_key).ToLocal(&existing) && existing->IsObject()) {
      namespace_object = existing.As<v8::Object>();
    } else {
      namespace_object = v8::Object::New(isolate);
      if (root->Set(context, module_key, namespace_object).IsNothing()) {
        return make_failure(Outcome::Internal, "cannot build the imports object");
      }
    }
    if (namespace_object->Set(context, v8_string(isolate, imp.name), *value).IsNothing()) {
      return make_failure(Outcome::Internal, "cannot build the imports object");
    }
  }
  return root;
}

}  // namespace

CallResult<InstancePtr> V8Store::instantiate(const ModulePtr& module, const Imports& imports,
                                             const InstantiateOptions& options) {
  if (!module || std::string_view(module->engine_name()) != kV8EngineName) {
    return make_failure(Outcome::BadArgument, "module was not compiled by the V8 engine");
  }
  StoreScope scope(*this);
  v8::Local<v8::Context> context = scope.context();
  v8::Local<v8::WasmModuleObject> module_obj = module_object(module);
  if (module_obj.IsEmpty())
    return make_failure(Outcome::Internal, "cannot load compiled module " + module->sha256());

  auto instance = std::make_unique<V8Instance>(*this, module, options.user_data);
  auto import_object = build_import_object(*this, context, module->info(), imports, *instance);
  if (!import_object) return import_object.take_failure();

  // The start function, if any, runs inside the constructor: it is a guest call with a deadline.
  GuestCall guest(*this, options.deadline, CallPhase::Instantiate);
  if (!guest.started()) return GuestCall::expired();
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Value> argv[] = {module_obj, *import_object};
  v8::Local<v8::Object> object;
  // V8 10.2 returns the receiver of `new` even when the start function threw: the TryCatch is the truth.
  if (!instance_ctor_.Get(isolate_)->NewInstance(context, 2, argv).ToLocal(&object) ||
      try_catch.HasCaught()) {
    return guest.fail(try_catch, CallPhase::Instantiate);
  }
  guest.succeed();
  instance->attach(context, object);
  return InstancePtr(std::move(instance));
}

}  // namespace wasmgate::engine
