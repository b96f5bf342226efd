// A compiled module: immutable, shared by every store of its engine (compiled code is shared across
// isolates).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "wasm/engine/wasm_binary.h"

namespace wasmgate::engine {

class Module {
 public:
  virtual ~Module();

  const ModuleInfo& info() const { return info_; }
  // Hex sha256 of the bytes compiled (after any memory cap rewrite): the cache key.
  const std::string& sha256() const { return sha256_; }
  std::size_t byte_size() const { return byte_size_; }
  // True when the engine's code came from the on-disk code cache rather than a compile.
  bool from_code_cache() const { return from_code_cache_; }
  // Tag of the engine that compiled it ("v8"); a module cannot be instantiated by another engine.
  virtual const char* engine_name() const = 0;

 protected:
  Module(ModuleInfo info, std::string sha256, std::size_t byte_size, bool from_code_cache)
      : info_(std::move(info)),
        sha256_(std::move(sha256)),
        byte_size_(byte_size),
        from_code_cache_(from_code_cache) {}

 private:
  ModuleInfo info_;
  std::string sha256_;
  std::size_t byte_size_;
  bool from_code_cache_;
};

using ModulePtr = std::shared_ptr<const Module>;

}  // namespace wasmgate::engine
