// Shared helpers for the engine tests: fixture bytes, one process-wide engine, small host functions.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasm/engine/engine.h"
#include "wasm/engine/v8/v8_engine.h"

#ifndef WASMGATE_FIXTURES_DIR
#error "WASMGATE_FIXTURES_DIR must point at the built wasm fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::engine::testing {

inline std::vector<std::uint8_t> fixture_bytes(const std::string& name) {
  const std::string path = std::string(WASMGATE_FIXTURES_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path << " (build target wasm_fixtures)";
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// One engine for the whole test binary (V8 is process-wide anyway); tests that need their own make one.
inline Engine& shared_engine() {
  static std::unique_ptr<Engine> engine = create_v8_engine();
  return *engine;
}

inline ModulePtr compile_fixture(const std::string& name, const CompileOptions& options = {}) {
  auto module = shared_engine().compile(fixture_bytes(name), options);
  EXPECT_TRUE(module.ok()) << name << ": " << (module ? "" : module.error().message);
  return module ? *module : nullptr;
}

inline FuncType func_type(std::vector<ValType> params, std::vector<ValType> results) {
  return FuncType{std::move(params), std::move(results)};
}

// env.host_add (i32, i32) -> i32 = a + b.
inline HostFunction host_add() {
  return HostFunction{"env.host_add", func_type({ValType::I32, ValType::I32}, {ValType::I32}),
                      [](HostCall& call) {
                        call.results()[0] = Value::i32(call.arg(0).as_i32() + call.arg(1).as_i32());
                        return Result<void>();
                      }};
}

// A host function of type (i32, i32) -> i32 that runs `body`.
template <typename Body>
HostFunction host_i32x2(std::string name, Body body) {
  return HostFunction{std::move(name), func_type({ValType::I32, ValType::I32}, {ValType::I32}),
                      std::move(body)};
}

// Imports for host_add.wat: host_add plus an echo that returns the length it was given.
inline Imports host_add_imports() {
  Imports imports;
  imports.add("env", "host_add", host_add());
  imports.add("env", "host_echo", host_i32x2("env.host_echo", [](HostCall& call) {
                call.results()[0] = call.arg(1);
                return Result<void>();
              }));
  return imports;
}

inline InstancePtr instantiate(Store& store, const ModulePtr& module, const Imports& imports = {}) {
  auto instance = store.instantiate(module, imports);
  EXPECT_TRUE(instance.ok()) << instance.message();
  return instance ? std::move(*instance) : nullptr;
}

}  // namespace wasmgate::engine::testing
