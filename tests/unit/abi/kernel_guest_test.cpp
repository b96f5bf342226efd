// A guest linked against the kernel as `extism:host/env`, driven through the host fast path: wg_prepare_call
// + memcpy in, call the guest, read output/error through wg_state. The guest is assembled here, byte by byte,
// from the instruction listing in guest_module() (no committed .wasm, no build step).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel_test_support.h"

namespace wasmgate::abi {
namespace {

using engine::Outcome;
using testing::KernelVm;

using Bytes = std::vector<std::uint8_t>;

void put_u32(Bytes& out, std::uint32_t v) {  // unsigned LEB128
  do {
    std::uint8_t byte = v & 0x7f;
    v >>= 7;
    out.push_back(v != 0 ? (byte | 0x80) : byte);
  } while (v != 0);
}

void put_name(Bytes& out, std::string_view name) {
  put_u32(out, static_cast<std::uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

void put_section(Bytes& module, std::uint8_t id, const Bytes& body) {
  module.push_back(id);
  put_u32(module, static_cast<std::uint32_t>(body.size()));
  module.insert(module.end(), body.begin(), body.end());
}

constexpr std::uint8_t kI32 = 0x7f, kI64 = 0x7e;

struct Import {
  const char* name;
  Bytes params;
  Bytes results;
};

// Every kernel function, imported with the Extism types; the guest's own functions follow at index 20.
const std::vector<Import>& imports() {
  static const std::vector<Import> list = {
      {"alloc", {kI64}, {kI64}},
      {"free", {kI64}, {}},
      {"length", {kI64}, {kI64}},
      {"length_unsafe", {kI64}, {kI64}},
      {"load_u8", {kI64}, {kI32}},
      {"load_u64", {kI64}, {kI64}},
      {"store_u8", {kI64, kI32}, {}},
      {"store_u64", {kI64, kI64}, {}},
      {"input_length", {}, {kI64}},
      {"input_offset", {}, {kI64}},
      {"input_load_u8", {kI64}, {kI32}},
      {"input_load_u64", {kI64}, {kI64}},
      {"input_set", {kI64, kI64}, {}},
      {"output_set", {kI64, kI64}, {}},
      {"output_length", {}, {kI64}},
      {"output_offset", {}, {kI64}},
      {"error_set", {kI64}, {}},
      {"error_get", {}, {kI64}},
      {"reset", {}, {}},
      {"memory_bytes", {}, {kI64}},
  };
  return list;
}

std::uint8_t import_index(std::string_view name) {
  for (std::size_t i = 0; i < imports().size(); ++i) {
    if (imports()[i].name == name) return static_cast<std::uint8_t>(i);
  }
  ADD_FAILURE() << "no import " << name;
  return 0;
}

// Opcodes used below.
constexpr std::uint8_t kBlock = 0x02, kLoop = 0x03, kBr = 0x0c, kBrIf = 0x0d, kEnd = 0x0b, kCall = 0x10,
                       kLocalGet = 0x20, kLocalSet = 0x21, kI32Const = 0x41, kI64Const = 0x42, kI64GeU = 0x5a,
                       kI64Add = 0x7c, kVoid = 0x40;

Bytes call(std::string_view name) {
  return {kCall, import_index(name)};
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// export "echo" () -> i32: copies the input byte by byte into a new block (input_load_u8 → store_u8 at
// handle + i, the pointer arithmetic Extism PDKs do), output_set, return 0. Locals: 0 = n, 1 = h, 2 = i.
Bytes echo_body() {
  const std::uint8_t n = 0, h = 1, i = 2;
  Bytes code = cat({
      call("input_length"),
      {kLocalSet, n},
      {kLocalGet, n},
      call("alloc"),
      {kLocalSet, h},
      {kI64Const, 0, kLocalSet, i},
      {kBlock, kVoid, kLoop, kVoid},
      {kLocalGet, i, kLocalGet, n, kI64GeU, kBrIf, 1},
      {kLocalGet, h, kLocalGet, i, kI64Add},
      {kLocalGet, i},
      call("input_load_u8"),
      call("store_u8"),
      {kLocalGet, i, kI64Const, 1, kI64Add, kLocalSet, i},
      {kBr, 0, kEnd, kEnd},
      {kLocalGet, h, kLocalGet, n},
      call("output_set"),
      {kI32Const, 0, kEnd},
  });
  Bytes body = {1, 3, kI64};  // one local group: 3 x i64
  body.insert(body.end(), code.begin(), code.end());
  return body;
}

// export "fail" () -> i32: error_set(input_offset()) — the input is the message — and return 1.
Bytes fail_body() {
  return cat({{0}, call("input_offset"), call("error_set"), {kI32Const, 1, kEnd}});
}

Bytes guest_module() {
  Bytes module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  // Types: one per import, then () -> i32 for the guest's exports.
  Bytes types;
  put_u32(types, static_cast<std::uint32_t>(imports().size() + 1));
  for (const Import& imp : imports()) {
    types.push_back(0x60);
    put_u32(types, static_cast<std::uint32_t>(imp.params.size()));
    types.insert(types.end(), imp.params.begin(), imp.params.end());
    put_u32(types, static_cast<std::uint32_t>(imp.results.size()));
    types.insert(types.end(), imp.results.begin(), imp.results.end());
  }
  const std::uint32_t run_type = static_cast<std::uint32_t>(imports().size());
  types.insert(types.end(), {0x60, 0x00, 0x01, kI32});
  put_section(module, 1, types);

  Bytes import_section;
  put_u32(import_section, static_cast<std::uint32_t>(imports().size()));
  for (std::uint32_t i = 0; i < imports().size(); ++i) {
    put_name(import_section, kExtismHostModule);
    put_name(import_section, imports()[i].name);
    import_section.push_back(0x00);  // func
    put_u32(import_section, i);
  }
  put_section(module, 2, import_section);

  Bytes funcs;
  put_u32(funcs, 2);
  put_u32(funcs, run_type);
  put_u32(funcs, run_type);
  put_section(module, 3, funcs);

  const std::uint32_t first = static_cast<std::uint32_t>(imports().size());
  Bytes exports;
  put_u32(exports, 2);
  put_name(exports, "echo");
  exports.push_back(0x00);
  put_u32(exports, first);
  put_name(exports, "fail");
  exports.push_back(0x00);
  put_u32(exports, first + 1);
  put_section(module, 7, exports);

  Bytes code;
  put_u32(code, 2);
  for (const Bytes& body : {echo_body(), fail_body()}) {
    put_u32(code, static_cast<std::uint32_t>(body.size()));
    code.insert(code.end(), body.begin(), body.end());
  }
  put_section(module, 10, code);
  return module;
}

class KernelGuest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto module = testing::shared_engine().compile(guest_module());
    ASSERT_TRUE(module.ok()) << module.error().message;
    engine::Imports imports;
    imports.add_instance(std::string(kExtismHostModule), kernel_.instance());
    auto guest = kernel_.store().instantiate(*module, imports);
    ASSERT_TRUE(guest.ok()) << guest.message();
    guest_ = std::move(*guest);
  }
  void TearDown() override { guest_.reset(); }

  // One plugin call the way the runtime makes it: one host→kernel call, a memcpy, the guest call.
  engine::CallResult<std::int32_t> plugin_call(std::string_view name, std::string_view input) {
    const std::uint64_t at = kernel_.prepare_call(input.size());
    if (!input.empty()) {
      auto dst = kernel_.view().slice(at, input.size());
      EXPECT_TRUE(dst.has_value());
      std::memcpy(dst->data(), input.data(), input.size());
    }
    return guest_->call_i32(*guest_->func(name));
  }

  KernelVm kernel_;
  engine::InstancePtr guest_;
};

TEST_F(KernelGuest, GuestImportingEveryKernelFunctionLinksAgainstTheKernelInstance) {
  EXPECT_TRUE(guest_ != nullptr);
}

TEST_F(KernelGuest, EchoOutputIsReadThroughWgState) {
  const std::string input = "{\"request\":{\"method\":\"GET\",\"path\":\"/echo\"}}";
  auto rc = plugin_call("echo", input);
  ASSERT_TRUE(rc.ok()) << rc.message();
  EXPECT_EQ(*rc, 0);
  const KernelState state = kernel_.state();
  EXPECT_EQ(state.error_offset, 0u);
  EXPECT_EQ(kernel_.bytes_at(state.output_offset, state.output_length), input);
}

TEST_F(KernelGuest, ManyCallsReuseTheSameMemory) {
  std::uint64_t first_output = 0;
  for (int call = 0; call < 200; ++call) {
    const std::string input =
        "call #" + std::to_string(call) + std::string(static_cast<std::size_t>(call), 'x');
    auto rc = plugin_call("echo", input);
    ASSERT_TRUE(rc.ok()) << rc.message();
    const KernelState state = kernel_.state();
    ASSERT_EQ(kernel_.bytes_at(state.output_offset, state.output_length), input) << call;
    if (call == 0) first_output = state.output_offset;
  }
  EXPECT_EQ(kernel_.view().size, engine::kWasmPageBytes);  // each call starts from an empty heap
  EXPECT_NE(first_output, 0u);
}

TEST_F(KernelGuest, ErrorSetByTheGuestIsReadThroughWgState) {
  auto rc = plugin_call("fail", "something went wrong");
  ASSERT_TRUE(rc.ok()) << rc.message();
  EXPECT_EQ(*rc, 1);
  const KernelState state = kernel_.state();
  EXPECT_EQ(kernel_.bytes_at(state.error_offset, state.error_length), "something went wrong");
  EXPECT_EQ(state.output_length, 0u);

  // The next call starts clean.
  ASSERT_TRUE(plugin_call("echo", "ok").ok());
  EXPECT_EQ(kernel_.state().error_offset, 0u);
}

TEST_F(KernelGuest, EmptyInputGivesEmptyOutput) {
  auto rc = plugin_call("echo", "");
  ASSERT_TRUE(rc.ok()) << rc.message();
  EXPECT_EQ(kernel_.state().output_length, 0u);
}

TEST_F(KernelGuest, InputBiggerThanThePageGrowsKernelMemory) {
  const std::string input(200000, 'q');
  auto rc = plugin_call("echo", input);
  ASSERT_TRUE(rc.ok()) << rc.message();
  const KernelState state = kernel_.state();
  EXPECT_EQ(state.output_length, input.size());
  EXPECT_EQ(kernel_.bytes_at(state.output_offset, state.output_length), input);
}

}  // namespace
}  // namespace wasmgate::abi
