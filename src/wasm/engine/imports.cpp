#include "wasm/engine/imports.h"

#include "wasm/engine/instance.h"

namespace wasmgate::engine {

void Imports::add(std::string module, std::string name, HostFunction fn) {
  add(std::move(module), std::move(name), std::make_shared<const HostFunction>(std::move(fn)));
}

void Imports::add(std::string module, std::string name, HostFunctionPtr fn) {
  entries_.insert_or_assign(Key{std::move(module), std::move(name)}, ImportValue(std::move(fn)));
}

void Imports::add(std::string module, std::string name, Extern ext) {
  entries_.insert_or_assign(Key{std::move(module), std::move(name)}, ImportValue(std::move(ext)));
}

void Imports::add_instance(const std::string& module, Instance& instance) {
  for (const auto& exp : instance.module()->info().exports) {
    if (auto ext = instance.export_extern(exp.name)) add(module, exp.name, std::move(*ext));
  }
}

const ImportValue* Imports::find(std::string_view module, std::string_view name) const {
  auto it = entries_.find(std::pair<std::string_view, std::string_view>(module, name));
  return it == entries_.end() ? nullptr : &it->second;
}

std::string Imports::names() const {
  std::string out;
  for (const auto& [key, value] : entries_) {
    if (!out.empty()) out += ", ";
    out += key.first + "." + key.second;
  }
  return out.empty() ? "none" : out;
}

std::string Imports::names_in(std::string_view module) const {
  std::string out;
  for (const auto& [key, value] : entries_) {
    if (key.first != module) continue;
    if (!out.empty()) out += ", ";
    out += key.second;
  }
  return out.empty() ? "none" : out;
}

}  // namespace wasmgate::engine
