// What an instantiation links against: (module, name) → host function, or an extern (exported function,
// memory, global or table of another instance in the same store, or a memory the store created).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "wasm/engine/host_function.h"
#include "wasm/engine/types.h"

namespace wasmgate::engine {

class Instance;

// A handle to an engine object living in one store (an instance's export or a store-created memory). Only
// meaningful in that store; it stays valid while its owner (the exporting instance, or the store) lives.
struct Extern {
  ExternType type;
  std::uint64_t store_id = 0;
  std::uint32_t slot = 0;
};

using ImportValue = std::variant<HostFunctionPtr, Extern>;

class Imports {
 public:
  // Later additions of the same (module, name) replace earlier ones.
  void add(std::string module, std::string name, HostFunction fn);
  void add(std::string module, std::string name, HostFunctionPtr fn);
  void add(std::string module, std::string name, Extern ext);
  // Every export of `instance` under `module` (kernel-style linking: a guest imports "extism:host/env" from a
  // kernel instance). Host functions added under the same module afterwards take precedence for their names.
  void add_instance(const std::string& module, Instance& instance);

  const ImportValue* find(std::string_view module, std::string_view name) const;
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // "env.host_add, kernel.memory" (sorted), or "none".
  std::string names() const;
  // Names available under `module` only, or "none".
  std::string names_in(std::string_view module) const;

 private:
  using Key = std::pair<std::string, std::string>;
  // Heterogeneous so find() can look up string_views without building strings.
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const int c = std::string_view(a.first).compare(std::string_view(b.first));
      return c < 0 || (c == 0 && std::string_view(a.second) < std::string_view(b.second));
    }
  };
  std::map<Key, ImportValue, KeyLess> entries_;
};

}  // namespace wasmgate::engine
