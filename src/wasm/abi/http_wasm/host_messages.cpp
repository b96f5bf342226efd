// http_handler header, body and status-code functions, over the current request's Exchange. Bodies are whole
// in memory (http-wasm routes buffer both ways), so read_body is a cursor over them and write_body replaces
// then appends within one handler call — the stream semantics of the ABI, without the streaming.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "wasm/abi/http_wasm/guest_buffer.h"
#include "wasm/abi/http_wasm/header_ops.h"
#include "wasm/abi/http_wasm/host_functions.h"
#include "wasm/abi/http_wasm/message_syntax.h"

namespace wasmgate::abi::http_wasm::detail {
namespace {

// The headers of `kind`, or nullptr for trailers (not supported: see kSupportedFeatures); PluginTrap for a
// kind the ABI does not define.
Result<HeaderList*> headers_of(GuestRequest& request, std::int32_t kind, std::string_view function) {
  switch (static_cast<HeaderKind>(kind)) {
    case HeaderKind::Request:
      return &request.exchange->request_headers;
    case HeaderKind::Response:
      return &request.exchange->response_headers;
    case HeaderKind::RequestTrailers:
    case HeaderKind::ResponseTrailers:
      return static_cast<HeaderList*>(nullptr);
  }
  return make_error(Errc::PluginTrap, fmt::format("{}: unsupported header kind {}", function, kind));
}

// Mutating `kind`: the request only before next, the response before next or with buffer_response; trailers
// never (feature_trailers is not granted, and the ABI asks such a host to trap).
Result<HeaderList*> mutable_headers(GuestRequest& request, std::int32_t kind, std::string_view function,
                                    std::string_view op) {
  auto headers = headers_of(request, kind, function);
  if (!headers) return headers;
  if (*headers == nullptr) {
    return make_error(Errc::PluginTrap,
                      fmt::format("{}: trailers are not supported (feature_trailers is off)", function));
  }
  auto ok = static_cast<HeaderKind>(kind) == HeaderKind::Request
                ? require_before_next(request, op, "a request header")
                : require_before_next_or(request, kFeatureBufferResponse, op, "a response header");
  if (!ok) return ok.take_error();
  return headers;
}

// The header name at (ptr, len): a non-empty token.
Result<std::string_view> header_name(const engine::MemoryView& memory, std::uint32_t ptr, std::uint32_t len,
                                     std::string_view function) {
  auto name = read_guest(memory, ptr, len, fmt::format("{} name", function));
  if (!name) return name;
  if (!is_token(*name)) {
    return make_error(Errc::PluginTrap, fmt::format("{}: \"{}\" is not a header name", function, *name));
  }
  return name;
}

// set_header_value / add_header_value: (kind, name, name_len, value, value_len).
template <void (*kApply)(HeaderList&, std::string_view, std::string_view)>
Result<void> change_header(engine::HostCall& call, HostEnv& env, std::string_view function,
                           std::string_view op) {
  auto request = current_request(env, function);
  if (!request) return request.take_error();
  auto headers = mutable_headers(**request, call.arg(0).as_i32(), function, op);
  if (!headers) return headers.take_error();
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto name = header_name(*memory, u32_arg(call, 1), u32_arg(call, 2), function);
  if (!name) return name.take_error();
  auto value = read_guest(*memory, u32_arg(call, 3), u32_arg(call, 4), fmt::format("{} value", function));
  if (!value) return value.take_error();
  if (!is_field_value(*value)) {
    return make_error(Errc::PluginTrap,
                      fmt::format("{}: the value of {} holds CR, LF or control characters", function, *name));
  }
  kApply(**headers, *name, *value);
  return {};
}

void apply_set(HeaderList& headers, std::string_view name, std::string_view value) {
  set_header(headers, name, value);
}
void apply_add(HeaderList& headers, std::string_view name, std::string_view value) {
  add_header(headers, name, value);
}

// The body of `kind` and its cursor and written flag for this call; PluginTrap for another kind.
struct BodyRef {
  std::string* bytes;
  std::size_t* read;
  bool* written;
};
Result<BodyRef> body_of(GuestRequest& request, std::int32_t kind, std::string_view function) {
  switch (static_cast<BodyKind>(kind)) {
    case BodyKind::Request:
      return BodyRef{&request.exchange->request_body, &request.request_read, &request.request_written};
    case BodyKind::Response:
      return BodyRef{&request.exchange->response_body, &request.response_read, &request.response_written};
  }
  return make_error(Errc::PluginTrap, fmt::format("{}: unsupported body kind {}", function, kind));
}

}  // namespace

Result<void> get_header_names(engine::HostCall& call, HostEnv& env) {
  auto request = current_request(env, "get_header_names");
  if (!request) return request.take_error();
  auto headers = headers_of(**request, call.arg(0).as_i32(), "get_header_names");
  if (!headers) return headers.take_error();
  const std::vector<std::string> names =
      *headers ? header_names_lower(**headers) : std::vector<std::string>{};
  const std::vector<std::string_view> views(names.begin(), names.end());
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto result = write_nul_terminated(*memory, u32_arg(call, 1), u32_arg(call, 2), views, "get_header_names");
  if (!result) return result.take_error();
  call.results()[0] = engine::Value::i64(static_cast<std::int64_t>(*result));
  return {};
}

Result<void> get_header_values(engine::HostCall& call, HostEnv& env) {
  auto request = current_request(env, "get_header_values");
  if (!request) return request.take_error();
  auto headers = headers_of(**request, call.arg(0).as_i32(), "get_header_values");
  if (!headers) return headers.take_error();
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto name = header_name(*memory, u32_arg(call, 1), u32_arg(call, 2), "get_header_values");
  if (!name) return name.take_error();
  const std::vector<std::string_view> values =
      *headers ? header_values(**headers, *name) : std::vector<std::string_view>{};
  auto result =
      write_nul_terminated(*memory, u32_arg(call, 3), u32_arg(call, 4), values, "get_header_values");
  if (!result) return result.take_error();
  call.results()[0] = engine::Value::i64(static_cast<std::int64_t>(*result));
  return {};
}

Result<void> set_header_value(engine::HostCall& call, HostEnv& env) {
  return change_header<apply_set>(call, env, "set_header_value", "set");
}

Result<void> add_header_value(engine::HostCall& call, HostEnv& env) {
  return change_header<apply_add>(call, env, "add_header_value", "add");
}

Result<void> remove_header(engine::HostCall& call, HostEnv& env) {
  auto request = current_request(env, "remove_header");
  if (!request) return request.take_error();
  const std::int32_t kind = call.arg(0).as_i32();
  auto readable = headers_of(**request, kind, "remove_header");
  if (!readable) return readable.take_error();
  if (*readable == nullptr) return {};  // no trailers exist, so none to remove
  auto headers = mutable_headers(**request, kind, "remove_header", "remove");
  if (!headers) return headers.take_error();
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto name = header_name(*memory, u32_arg(call, 1), u32_arg(call, 2), "remove_header");
  if (!name) return name.take_error();
  http_wasm::remove_header(**headers, *name);
  return {};
}

// read_body(kind, buf, buf_limit) -> i64 eof_len. As http-wasm-host-go fills the buffer: EOF is reported with
// the read that finds fewer than buf_limit bytes left, so a body of exactly buf_limit bytes takes a second
// read that returns 1<<32|0. buf_limit 0 traps (it could never report EOF); the whole [buf, buf+buf_limit)
// must be memory.
Result<void> read_body(engine::HostCall& call, HostEnv& env) {
  auto request = current_request(env, "read_body");
  if (!request) return request.take_error();
  const std::int32_t kind = call.arg(0).as_i32();
  auto body = body_of(**request, kind, "read_body");
  if (!body) return body.take_error();
  auto allowed = static_cast<BodyKind>(kind) == BodyKind::Request
                     ? require_before_next_or(**request, kFeatureBufferRequest, "read", "the request body")
                     : require_before_next_or(**request, kFeatureBufferResponse, "read", "the response body");
  if (!allowed) return allowed;
  const std::uint32_t buf = u32_arg(call, 1);
  const std::uint32_t limit = u32_arg(call, 2);
  if (limit == 0) return make_error(Errc::PluginTrap, "read_body: buf_limit is 0");
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto target = memory->slice(buf, limit);
  if (!target) {
    return make_error(
        Errc::PluginTrap,
        fmt::format("read_body buffer out of memory: [{}, {}) but the guest memory has {} bytes", buf,
                    std::uint64_t{buf} + limit, memory->size));
  }
  const std::string& bytes = *body->bytes;
  std::size_t& cursor = *body->read;
  const std::size_t left = bytes.size() - std::min(cursor, bytes.size());
  const std::size_t n = std::min<std::size_t>(left, limit);
  if (n > 0) std::memcpy(target->data(), bytes.data() + cursor, n);
  cursor += n;
  const std::uint64_t eof = n < limit ? 1 : 0;
  call.results()[0] = engine::Value::i64(static_cast<std::int64_t>((eof << 32) | n));
  return {};
}

// write_body(kind, body, body_len): the first write of a handler call replaces the body, later ones append.
Result<void> write_body(engine::HostCall& call, HostEnv& env) {
  auto request = current_request(env, "write_body");
  if (!request) return request.take_error();
  const std::int32_t kind = call.arg(0).as_i32();
  auto body = body_of(**request, kind, "write_body");
  if (!body) return body.take_error();
  auto allowed =
      static_cast<BodyKind>(kind) == BodyKind::Request
          ? require_before_next(**request, "write", "the request body")
          : require_before_next_or(**request, kFeatureBufferResponse, "write", "the response body");
  if (!allowed) return allowed;
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto bytes = read_guest(*memory, u32_arg(call, 1), u32_arg(call, 2), "write_body body");
  if (!bytes) return bytes.take_error();
  if (!*body->written) body->bytes->clear();
  *body->written = true;
  body->bytes->append(*bytes);
  if (static_cast<BodyKind>(kind) == BodyKind::Request) (*request)->exchange->request_body_written = true;
  return {};
}

// get_status_code() -> i32: the guest's own status before next (default 200), the backend's in
// handle_response (with buffer_response).
Result<void> get_status_code(engine::HostCall& call, HostEnv& env) {
  auto request = current_request(env, "get_status_code");
  if (!request) return request.take_error();
  if (auto ok = require_before_next_or(**request, kFeatureBufferResponse, "get", "the status code"); !ok)
    return ok;
  call.results()[0] = engine::Value::i32((*request)->exchange->status);
  return {};
}

// set_status_code(status_code): 100..999 (what an HTTP/1.1 status line can carry), else a trap.
Result<void> set_status_code(engine::HostCall& call, HostEnv& env) {
  auto request = current_request(env, "set_status_code");
  if (!request) return request.take_error();
  if (auto ok = require_before_next_or(**request, kFeatureBufferResponse, "set", "the status code"); !ok)
    return ok;
  const std::int32_t status = call.arg(0).as_i32();
  if (status < 100 || status > 999) {
    return make_error(Errc::PluginTrap,
                      fmt::format("set_status_code: {} is not an HTTP status code", status));
  }
  (*request)->exchange->status = status;
  return {};
}

}  // namespace wasmgate::abi::http_wasm::detail
