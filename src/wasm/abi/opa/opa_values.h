// Moving JSON values in and out of an OPA policy's memory through the module's own exports, as every OPA
// host does (https://www.openpolicyagent.org/docs/latest/wasm/): a value's JSON is read with
// opa_json_dump(value) -> address of a NUL-terminated string; a JSON text becomes a value with
// opa_malloc(len), a copy into env.memory, then opa_json_parse(addr, len) (0: the policy refused it).
// Used both by the evaluation driver (between calls) and by opa_builtinN (inside a call).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "wasm/engine/memory.h"
#include "wasm/engine/types.h"

namespace wasmgate::abi::opa {

// Longest JSON text read back from a policy (a dumped value, the result set): bounds a runaway or forged
// address scan. Above Otoroshi's 65 356-byte result read, which truncates larger result sets.
inline constexpr std::size_t kMaxJsonBytes = 16 * 1024 * 1024;

// Calls an export of the policy by name (through Vm::call_raw between calls, Instance::call inside one).
using GuestCall = std::function<Result<std::vector<engine::Value>>(std::string_view name,
                                                                   std::span<const engine::Value> args)>;

// The NUL-terminated string at `address` (at most `max_bytes`). BadRequest naming `what` when the address is
// outside the memory or no NUL comes in time.
Result<std::string> read_c_string(engine::Memory& memory, std::uint32_t address, std::size_t max_bytes,
                                  std::string_view what);

// Calls `name` expecting one i32 result.
Result<std::int32_t> call_i32(const GuestCall& call, std::string_view name,
                              std::span<const engine::Value> args);

// The JSON text of OPA value `value` (opa_json_dump), and parsed.
Result<std::string> dump_json_text(const GuestCall& call, engine::Memory& memory, std::int32_t value);
Result<boost::json::value> dump_json(const GuestCall& call, engine::Memory& memory, std::int32_t value);

// Copies `json` into the policy's heap and parses it into an OPA value; returns the value's address.
Result<std::int32_t> load_json(const GuestCall& call, engine::Memory& memory, std::string_view json);

}  // namespace wasmgate::abi::opa
