#include "wasm/abi/opa/opa_values.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <cstring>

namespace wasmgate::abi::opa {

Result<std::string> read_c_string(engine::Memory& memory, std::uint32_t address, std::size_t max_bytes,
                                  std::string_view what) {
  const engine::MemoryView view = memory.view();
  if (address >= view.size) {
    return make_error(
        Errc::BadRequest,
        fmt::format("{}: address {} is outside the policy's memory ({} bytes)", what, address, view.size));
  }
  const std::size_t available = static_cast<std::size_t>(view.size - address);
  const std::size_t limit = std::min(available, max_bytes);
  const auto* start = view.base + address;
  const void* nul = std::memchr(start, 0, limit);
  if (nul == nullptr) {
    return make_error(Errc::BadRequest, fmt::format("{}: no NUL-terminated string within {} bytes at {}",
                                                    what, limit, address));
  }
  return std::string(reinterpret_cast<const char*>(start), static_cast<const std::uint8_t*>(nul) - start);
}

Result<std::int32_t> call_i32(const GuestCall& call, std::string_view name,
                              std::span<const engine::Value> args) {
  auto results = call(name, args);
  if (!results) return results.take_error();
  if (results->size() != 1 || results->front().type() != engine::ValType::I32) {
    return make_error(Errc::PluginLoad, fmt::format("OPA export {} must return one i32", name));
  }
  return results->front().as_i32();
}

Result<std::string> dump_json_text(const GuestCall& call, engine::Memory& memory, std::int32_t value) {
  const engine::Value args[] = {engine::Value::i32(value)};
  auto text_address = call_i32(call, "opa_json_dump", args);
  if (!text_address) return text_address.take_error();
  if (*text_address == 0) return make_error(Errc::BadRequest, "opa_json_dump returned no string");
  return read_c_string(memory, static_cast<std::uint32_t>(*text_address), kMaxJsonBytes, "opa_json_dump");
}

Result<boost::json::value> dump_json(const GuestCall& call, engine::Memory& memory, std::int32_t value) {
  auto text = dump_json_text(call, memory, value);
  if (!text) return text.take_error();
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(*text, ec);
  if (ec) return make_error(Errc::BadRequest, "opa_json_dump returned invalid JSON: " + ec.message());
  return parsed;
}

Result<std::int32_t> load_json(const GuestCall& call, engine::Memory& memory, std::string_view json) {
  if (json.size() > static_cast<std::size_t>(INT32_MAX)) {
    return make_error(Errc::PluginMemory, "a JSON value above 2 GiB cannot enter a policy");
  }
  const auto length = static_cast<std::int32_t>(json.size());
  const engine::Value malloc_args[] = {engine::Value::i32(length)};
  auto address = call_i32(call, "opa_malloc", malloc_args);
  if (!address) return address.take_error();
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(json.data());
  if (*address == 0) return make_error(Errc::PluginMemory, fmt::format("opa_malloc({}) failed", length));
  if (auto written = memory.write(static_cast<std::uint32_t>(*address), std::span(bytes, json.size()));
      !written) {
    return make_error(Errc::PluginMemory,
                      "opa_malloc returned memory outside env.memory: " + written.error().message);
  }
  const engine::Value parse_args[] = {engine::Value::i32(*address), engine::Value::i32(length)};
  auto value = call_i32(call, "opa_json_parse", parse_args);
  if (!value) return value.take_error();
  if (*value == 0) return make_error(Errc::BadRequest, "opa_json_parse refused the value");
  return *value;
}

}  // namespace wasmgate::abi::opa
