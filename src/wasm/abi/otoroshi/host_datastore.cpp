// env.proxy_datastore_* (authorizations.globalDataStoreAccess) and env.proxy_plugin_datastore_*
// (authorizations.pluginDataStoreAccess): persistent key/values with Redis semantics on store::KvStore.
//
// Key layout (spec §4.3): global keys are "otoroshi:<key>", a plugin's "otoroshi:wasm:<plugin id>:<key>".
// [quirk] Otoroshi's <plugin id> is the pool id (source + a hash of the whole config), so any config edit
// loses the plugin's data; ours is the WasmPlugin entity id (the slot name for inline plugins), stable across
// edits. `keys` answers full keys (prefix included), as Otoroshi does.
// [quirk] Otoroshi's code for these functions throws before reaching the store (spec §4.3); these are the
// intended semantics. Store failures and malformed arguments fail the call with a message naming the
// function.
#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include "core/base64.h"
#include "wasm/abi/otoroshi/host_call.h"

namespace wasmgate::abi::otoroshi {
namespace {

enum class Scope { Global, Plugin };

constexpr std::string_view kStorageRoot = "otoroshi";

template <Scope kScope>
std::string prefix(const VmState& state) {
  if constexpr (kScope == Scope::Global) return fmt::format("{}:", kStorageRoot);
  return fmt::format("{}:wasm:{}:", kStorageRoot, state.options.plugin_id);
}

// The prefix as a literal inside a Redis glob: an id holding *, ?, [ or \ must not widen the pattern.
std::string glob_literal(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

template <Scope kScope>
constexpr std::string_view fn(std::string_view global, std::string_view plugin) {
  return kScope == Scope::Global ? global : plugin;
}

Result<store::KvStore*> kv(const VmState& state, std::string_view function) {
  store::KvStore* store = state.options.services->kv_store();
  if (store == nullptr)
    return make_error(Errc::Internal, fmt::format("env.{}: no datastore in this gateway", function));
  return store;
}

Error failed(std::string_view function, const Error& error) {
  return make_error(error.code, fmt::format("env.{}: {}", function, error.message));
}

// The "key" string field, or BadRequest.
Result<std::string> key_field(const boost::json::object& input, std::string_view function) {
  const boost::json::string* key = string_field(input, "key");
  if (key == nullptr)
    return make_error(Errc::BadRequest, fmt::format("env.{}: the argument needs \"key\" (string)", function));
  return std::string(*key);
}

// *_keys: (i64 offset, i64 length) -> i64 — input: a Redis glob; a block with the JSON array of full keys.
template <Scope kScope>
Result<void> ds_keys(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_datastore_keys", "proxy_plugin_datastore_keys");
  auto pattern = read_range(call, context, 0, kFn);
  if (!pattern) return pattern.take_error();
  const std::string full = glob_literal(prefix<kScope>(state)) + std::string(*pattern);
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto keys = (*store)->keys(full);
  if (!keys) return failed(kFn, keys.error());
  boost::json::array out;
  for (auto& key : *keys) out.emplace_back(std::move(key));
  return return_bytes(call, context, boost::json::serialize(out));
}

// *_get: (i64 offset, i64 length) -> i64 — input: the key; a block with the raw value, 0 when absent.
template <Scope kScope>
Result<void> ds_get(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_datastore_get", "proxy_plugin_datastore_get");
  auto key = read_range(call, context, 0, kFn);
  if (!key) return key.take_error();
  const std::string full = prefix<kScope>(state) + std::string(*key);
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto value = (*store)->get(full);
  if (!value) return failed(kFn, value.error());
  return return_bytes(call, context, *value ? std::string_view(**value) : std::string_view());
}

// *_exists: (i64 offset, i64 length) -> i64 — input: the key; 1 or 0.
template <Scope kScope>
Result<void> ds_exists(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_datastore_exists", "proxy_plugin_datastore_exists");
  auto key = read_range(call, context, 0, kFn);
  if (!key) return key.take_error();
  const std::string full = prefix<kScope>(state) + std::string(*key);
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto exists = (*store)->exists(full);
  if (!exists) return failed(kFn, exists.error());
  return_int(call, *exists ? 1 : 0);
  return {};
}

// *_pttl: (i64 offset, i64 length) -> i64 — input: the key; ms left, -1 without TTL, -2 when absent.
template <Scope kScope>
Result<void> ds_pttl(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_datastore_pttl", "proxy_plugin_datastore_pttl");
  auto key = read_range(call, context, 0, kFn);
  if (!key) return key.take_error();
  const std::string full = prefix<kScope>(state) + std::string(*key);
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto pttl = (*store)->pttl(full);
  if (!pttl) return failed(kFn, pttl.error());
  return_int(call, *pttl);
  return {};
}

// *_all_matching: (i64 offset, i64 length) -> i64 — input: a Redis glob; a block with the JSON array of the
// matching values, each base64.
template <Scope kScope>
Result<void> ds_all_matching(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn =
      fn<kScope>("proxy_datastore_all_matching", "proxy_plugin_datastore_all_matching");
  auto pattern = read_range(call, context, 0, kFn);
  if (!pattern) return pattern.take_error();
  const std::string full = glob_literal(prefix<kScope>(state)) + std::string(*pattern);
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto values = (*store)->values_matching(full);
  if (!values) return failed(kFn, values.error());
  boost::json::array out;
  for (const auto& value : *values) out.emplace_back(base64_encode(value));
  return return_bytes(call, context, boost::json::serialize(out));
}

// The value and TTL of a set/setnx input: {key, value | value_base64, ttl?: ms > 0}.
struct SetArgs {
  std::string key;
  std::string value;
  std::optional<std::chrono::milliseconds> ttl;
};
Result<SetArgs> set_args(const boost::json::object& input, std::string_view function) {
  auto key = key_field(input, function);
  if (!key) return key.take_error();
  SetArgs args{std::move(*key), {}, std::nullopt};
  if (const boost::json::string* value = string_field(input, "value")) {
    args.value = std::string(*value);
  } else if (const boost::json::string* b64 = string_field(input, "value_base64")) {
    auto decoded = base64_decode(*b64);
    if (!decoded)
      return make_error(Errc::BadRequest,
                        fmt::format("env.{}: value_base64: {}", function, decoded.error().message));
    args.value = std::move(*decoded);
  } else {
    return make_error(Errc::BadRequest,
                      fmt::format("env.{}: the argument needs \"value\" or \"value_base64\"", function));
  }
  if (const auto* ttl = input.if_contains("ttl"); ttl != nullptr && !ttl->is_null()) {
    const auto ms = integer_field(input, "ttl");
    if (!ms || *ms <= 0)
      return make_error(Errc::BadRequest,
                        fmt::format("env.{}: \"ttl\" must be a positive number of ms", function));
    args.ttl = std::chrono::milliseconds(*ms);
  }
  return args;
}

// *_set: (i64 offset, i64 length) -> i64 — input {key, value | value_base64, ttl?}; 1 once stored.
// *_setnx: same; 1 when the key was absent and is now set, else 0.
template <Scope kScope, bool kOnlyIfAbsent>
Result<void> ds_set(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = kOnlyIfAbsent
                                       ? fn<kScope>("proxy_datastore_setnx", "proxy_plugin_datastore_setnx")
                                       : fn<kScope>("proxy_datastore_set", "proxy_plugin_datastore_set");
  auto input = read_json_object(call, context, kFn);
  if (!input) return input.take_error();
  auto args = set_args(*input, kFn);
  if (!args) return args.take_error();
  const std::string full = prefix<kScope>(state) + args->key;
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  if constexpr (kOnlyIfAbsent) {
    auto set = (*store)->setnx(full, args->value, args->ttl);
    if (!set) return failed(kFn, set.error());
    return_int(call, *set ? 1 : 0);
  } else {
    auto set = (*store)->set(full, args->value, args->ttl);
    if (!set) return failed(kFn, set.error());
    return_int(call, 1);
  }
  return {};
}

// *_del: (i64 offset, i64 length) -> i64 — input {"keys": [string...]}; how many existed.
template <Scope kScope>
Result<void> ds_del(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_datastore_del", "proxy_plugin_datastore_del");
  auto input = read_json_object(call, context, kFn);
  if (!input) return input.take_error();
  const boost::json::value* keys = input->if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return make_error(Errc::BadRequest,
                      fmt::format("env.{}: the argument needs \"keys\" (array of strings)", kFn));
  }
  std::vector<std::string> full;
  for (const auto& key : keys->get_array()) {
    if (!key.is_string())
      return make_error(Errc::BadRequest, fmt::format("env.{}: \"keys\" must hold strings", kFn));
    full.push_back(prefix<kScope>(state) + std::string(key.get_string()));
  }
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto removed = (*store)->del(full);
  if (!removed) return failed(kFn, removed.error());
  return_int(call, *removed);
  return {};
}

// *_incrby: (i64 offset, i64 length) -> i64 — input {key, incr: integer or decimal string}; the new value.
// A value that is not an integer fails the call (Redis's "value is not an integer or out of range").
template <Scope kScope>
Result<void> ds_incrby(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_datastore_incrby", "proxy_plugin_datastore_incrby");
  auto input = read_json_object(call, context, kFn);
  if (!input) return input.take_error();
  auto key = key_field(*input, kFn);
  if (!key) return key.take_error();
  const auto incr = integer_field(*input, "incr");
  if (!incr) return make_error(Errc::BadRequest, fmt::format("env.{}: \"incr\" must be an integer", kFn));
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto value = (*store)->incrby(prefix<kScope>(state) + *key, *incr);
  if (!value) return failed(kFn, value.error());
  return_int(call, *value);
  return {};
}

// *_pexpire: (i64 offset, i64 length) -> i64 — input {key, pttl: ms, integer or decimal string}; 1 when the
// key exists (a pttl <= 0 deletes it, as Redis), else 0.
template <Scope kScope>
Result<void> ds_pexpire(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_datastore_pexpire", "proxy_plugin_datastore_pexpire");
  auto input = read_json_object(call, context, kFn);
  if (!input) return input.take_error();
  auto key = key_field(*input, kFn);
  if (!key) return key.take_error();
  const auto pttl = integer_field(*input, "pttl");
  if (!pttl) return make_error(Errc::BadRequest, fmt::format("env.{}: \"pttl\" must be an integer", kFn));
  auto store = kv(state, kFn);
  if (!store) return store.take_error();
  auto done = (*store)->pexpire(prefix<kScope>(state) + *key, std::chrono::milliseconds(*pttl));
  if (!done) return failed(kFn, done.error());
  return_int(call, *done ? 1 : 0);
  return {};
}

template <Scope kScope>
void add_scope(std::vector<Function>& table, Gate read, Gate write) {
  const auto t = context_type();
  auto add = [&](std::string_view global, std::string_view plugin, Gate gate, Callback callback) {
    table.push_back(make_function(fn<kScope>(global, plugin), gate, t, callback));
  };
  add("proxy_datastore_keys", "proxy_plugin_datastore_keys", read, ds_keys<kScope>);
  add("proxy_datastore_get", "proxy_plugin_datastore_get", read, ds_get<kScope>);
  add("proxy_datastore_exists", "proxy_plugin_datastore_exists", read, ds_exists<kScope>);
  add("proxy_datastore_pttl", "proxy_plugin_datastore_pttl", read, ds_pttl<kScope>);
  add("proxy_datastore_all_matching", "proxy_plugin_datastore_all_matching", read, ds_all_matching<kScope>);
  add("proxy_datastore_set", "proxy_plugin_datastore_set", write, ds_set<kScope, false>);
  add("proxy_datastore_setnx", "proxy_plugin_datastore_setnx", write, ds_set<kScope, true>);
  add("proxy_datastore_del", "proxy_plugin_datastore_del", write, ds_del<kScope>);
  add("proxy_datastore_incrby", "proxy_plugin_datastore_incrby", write, ds_incrby<kScope>);
  add("proxy_datastore_pexpire", "proxy_plugin_datastore_pexpire", write, ds_pexpire<kScope>);
}

}  // namespace

void add_datastore_functions(std::vector<Function>& table) {
  add_scope<Scope::Global>(table, Gate::GlobalDataStoreRead, Gate::GlobalDataStoreWrite);
  add_scope<Scope::Plugin>(table, Gate::PluginDataStoreRead, Gate::PluginDataStoreWrite);
}

}  // namespace wasmgate::abi::otoroshi
