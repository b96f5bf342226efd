// Shared by the Otoroshi host-function files: the table entry type, the gates, and the memory convention of
// spec otoroshi-wasm.md §4.2 — arguments are (offset, length) ranges of the Extism kernel memory, results are
// new kernel blocks (their offset as i64, 0 for no bytes) or plain integers.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/otoroshi/otoroshi_functions.h"
#include "wasm/engine/host_function.h"

namespace wasmgate::abi::otoroshi {

// Otoroshi's `Status` enum (§4.2), what integer-returning functions answer on failure.
enum class Status : std::int64_t {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  Empty = 3,
  CasMismatch = 4,
  InternalFailure = 5,
  Unimplemented = 6,
};

// Which authorization links a function (§4.3 "gate").
enum class Gate {
  Always,
  HttpAccess,
  GlobalDataStoreRead,
  GlobalDataStoreWrite,
  PluginDataStoreRead,
  PluginDataStoreWrite,
  GlobalMapRead,
  GlobalMapWrite,
  PluginMapRead,
  PluginMapWrite,
  ProxyState,
  Configuration,
};
// "authorizations.httpAccess", "authorizations.globalDataStoreAccess.read"…; "" for Always.
std::string_view gate_flag(Gate gate);
bool gate_open(Gate gate, const Grants& grants);

using Callback = Result<void> (*)(engine::HostCall& call, VmHostContext& context, VmState& state);

struct Function {
  std::string_view name;
  Gate gate;
  engine::HostFunctionPtr function;  // finds the VM's context and state, then runs the callback
};
Function make_function(std::string_view name, Gate gate, engine::FuncType type, Callback callback);

// The signatures of §4.2.
engine::FuncType context_type();  // (i64 offset, i64 length) -> i64
engine::FuncType unused_type();   // (i64 unused) -> i64

// The family files' parts of the table.
void add_log_functions(std::vector<Function>& table);        // host_log.cpp
void add_attrs_functions(std::vector<Function>& table);      // host_attrs.cpp
void add_http_functions(std::vector<Function>& table);       // host_http_call.cpp
void add_state_functions(std::vector<Function>& table);      // host_state.cpp
void add_map_functions(std::vector<Function>& table);        // host_maps.cpp
void add_datastore_functions(std::vector<Function>& table);  // host_datastore.cpp

// ---- memory convention
// ---------------------------------------------------------------------------------------

// The bytes [args[first], args[first] + args[first+1]) of the kernel memory, valid until the guest runs again
// or the kernel allocates (copy before returning a block). BadRequest "env.<function>: the argument [off,
// off+len) is outside the Extism memory" otherwise. [Otoroshi reads the range as is, whether or not it is a
// live block; so do we, bounds-checked.]
Result<std::string_view> read_range(engine::HostCall& call, const VmHostContext& context, std::size_t first,
                                    std::string_view function);
// `text` parsed as a JSON object, or nullopt.
std::optional<boost::json::object> parse_object(std::string_view text);
// The argument range parsed as a JSON object; BadRequest naming the function when it is not one.
Result<boost::json::object> read_json_object(engine::HostCall& call, const VmHostContext& context,
                                             std::string_view function);
// Result i64 = a new block with `bytes` (0 when empty). PluginMemory when the kernel cannot grow.
Result<void> return_bytes(engine::HostCall& call, VmHostContext& context, std::string_view bytes);
// Result i64 = `value` (Otoroshi's returnInt results are zero-extended 32-bit values; ours are the value).
inline void return_int(engine::HostCall& call, std::int64_t value) {
  call.results()[0] = engine::Value::i64(value);
}
inline void return_status(engine::HostCall& call, Status status) {
  return_int(call, static_cast<std::int64_t>(status));
}

// A string field of `object`, or nullptr.
const boost::json::string* string_field(const boost::json::object& object, std::string_view key);
// An integer field given as a JSON integer or a decimal string ("incr": 5 or "5"); nullopt otherwise.
std::optional<std::int64_t> integer_field(const boost::json::object& object, std::string_view key);

}  // namespace wasmgate::abi::otoroshi
