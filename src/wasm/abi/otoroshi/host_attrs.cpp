// env.proxy_get_attrs / proxy_get_attr / proxy_set_attr / proxy_del_attr / proxy_clear_attrs (always
// linked): the attrs of the request the call serves (VmState::attrs, set by AttrsScope around the call).
// [quirk] Otoroshi passes no attrs to host functions, so there they always read empty and never apply; here
// they see and change the current request's attrs, as intended. Outside a request (jobs) they see {}.
#include <boost/json/serialize.hpp>

#include "wasm/abi/otoroshi/host_call.h"

namespace wasmgate::abi::otoroshi {
namespace {

const boost::json::object& empty_attrs() {
  static const boost::json::object empty;
  return empty;
}

const boost::json::object& current(const VmState& state) {
  return state.attrs ? state.attrs->all() : empty_attrs();
}

// proxy_get_attrs: (i64 unused) -> i64 — a new block with the attrs as a JSON object ("{}" when none).
Result<void> proxy_get_attrs(engine::HostCall& call, VmHostContext& context, VmState& state) {
  return return_bytes(call, context, boost::json::serialize(current(state)));
}

// proxy_get_attr: (i64 offset, i64 length) -> i64
//   Input: the attr key. A new block with its value as JSON, or 0 when there is no such attr.
Result<void> proxy_get_attr(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto key = read_range(call, context, 0, "proxy_get_attr");
  if (!key) return key.take_error();
  const boost::json::value* value = current(state).if_contains(*key);
  if (value == nullptr) return return_bytes(call, context, "");
  return return_bytes(call, context, boost::json::serialize(*value));
}

// proxy_set_attr: (i64 offset, i64 length) -> i64
//   Input {"key": <settable key of spec §3.0>, "value": <json>}. 1 when stored; 0 for a key that is not
//   settable, a value of the wrong shape, or no request. Input that is not such an object fails the call.
Result<void> proxy_set_attr(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto input = read_json_object(call, context, "proxy_set_attr");
  if (!input) return input.take_error();
  const boost::json::string* key = string_field(*input, "key");
  const boost::json::value* value = input->if_contains("value");
  if (key == nullptr || value == nullptr) {
    return make_error(Errc::BadRequest,
                      "env.proxy_set_attr: the argument needs \"key\" (string) and \"value\"");
  }
  return_int(call, state.attrs != nullptr && state.attrs->set(*key, *value) ? 1 : 0);
  return {};
}

// proxy_del_attr: (i64 offset, i64 length) -> i64
//   Input: text; removes every attr whose key contains it (as outputs' attrs.del). 1 when one was removed.
Result<void> proxy_del_attr(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto needle = read_range(call, context, 0, "proxy_del_attr");
  if (!needle) return needle.take_error();
  return_int(call, state.attrs != nullptr && state.attrs->del(*needle) ? 1 : 0);
  return {};
}

// proxy_clear_attrs: (i64 unused) -> i64 — removes every attr; returns 0 (StatusOK).
Result<void> proxy_clear_attrs(engine::HostCall& call, VmHostContext&, VmState& state) {
  if (state.attrs != nullptr) state.attrs->clear();
  return_status(call, Status::Ok);
  return {};
}

}  // namespace

void add_attrs_functions(std::vector<Function>& table) {
  table.push_back(make_function("proxy_get_attrs", Gate::Always, unused_type(), proxy_get_attrs));
  table.push_back(make_function("proxy_get_attr", Gate::Always, context_type(), proxy_get_attr));
  table.push_back(make_function("proxy_set_attr", Gate::Always, context_type(), proxy_set_attr));
  table.push_back(make_function("proxy_del_attr", Gate::Always, context_type(), proxy_del_attr));
  table.push_back(make_function("proxy_clear_attrs", Gate::Always, unused_type(), proxy_clear_attrs));
}

}  // namespace wasmgate::abi::otoroshi
