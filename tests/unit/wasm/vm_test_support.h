// Shared helpers for the VM tests: one engine for the binary, the Extism fixtures, and a VM factory.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasm/engine/v8/v8_engine.h"
#include "wasm/vm.h"

#ifndef WASMGATE_EXTISM_FIXTURES_DIR
#error "WASMGATE_EXTISM_FIXTURES_DIR must point at the built Extism fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::wasm::testing {

inline std::vector<std::uint8_t> fixture(const std::string& name) {
  const std::string path = std::string(WASMGATE_EXTISM_FIXTURES_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path << " (build target wasm_extism_fixtures)";
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline engine::Engine& shared_engine() {
  static std::unique_ptr<engine::Engine> engine = engine::create_v8_engine();
  return *engine;
}

inline VmSpec spec_for(const std::string& name) {
  VmSpec spec;
  spec.wasm = fixture(name);
  spec.plugin_id = "wasm-plugin_" + name;
  spec.log_level = abi::PluginLogLevel::Off;  // keep test output quiet unless a test asks
  return spec;
}

// A VM of fixture `name`, expected to load.
inline VmPtr make_vm(VmSpec spec) {
  auto vm = Vm::create(shared_engine(), std::move(spec));
  EXPECT_TRUE(vm.ok()) << (vm ? "" : vm.error().message);
  return vm ? std::move(*vm) : nullptr;
}
inline VmPtr make_vm(const std::string& name) {
  return make_vm(spec_for(name));
}

// The output of a call expected to succeed ("<error: …>" otherwise, so the comparison fails readably).
inline std::string call_ok(Vm& vm, std::string_view function, std::string_view input = {}) {
  auto result = vm.call(function, input);
  EXPECT_TRUE(result.ok()) << function << ": " << (result ? "" : result.error().message);
  return result ? *result : "<error: " + result.error().message + ">";
}

}  // namespace wasmgate::wasm::testing
