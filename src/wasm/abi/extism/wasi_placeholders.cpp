#include "wasm/abi/extism/wasi_placeholders.h"

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

namespace wasmgate::abi {
namespace {

using engine::FuncType;
using engine::ValType;
constexpr ValType I32 = ValType::I32;
constexpr ValType I64 = ValType::I64;

// Parameters as the wasm32 lowering of the witx types: pointers, sizes, fds, flags → i32; filesize,
// timestamp, rights, dircookie → i64. Every function returns an errno (i32) except proc_exit.
FuncType errno_fn(std::vector<ValType> params) {
  return FuncType{std::move(params), {I32}};
}

const std::vector<WasiSignature>& table() {
  static const std::vector<WasiSignature> signatures = {
      {"args_get", errno_fn({I32, I32})},
      {"args_sizes_get", errno_fn({I32, I32})},
      {"environ_get", errno_fn({I32, I32})},
      {"environ_sizes_get", errno_fn({I32, I32})},
      {"clock_res_get", errno_fn({I32, I32})},
      {"clock_time_get", errno_fn({I32, I64, I32})},
      {"fd_advise", errno_fn({I32, I64, I64, I32})},
      {"fd_allocate", errno_fn({I32, I64, I64})},
      {"fd_close", errno_fn({I32})},
      {"fd_datasync", errno_fn({I32})},
      {"fd_fdstat_get", errno_fn({I32, I32})},
      {"fd_fdstat_set_flags", errno_fn({I32, I32})},
      {"fd_fdstat_set_rights", errno_fn({I32, I64, I64})},
      {"fd_filestat_get", errno_fn({I32, I32})},
      {"fd_filestat_set_size", errno_fn({I32, I64})},
      {"fd_filestat_set_times", errno_fn({I32, I64, I64, I32})},
      {"fd_pread", errno_fn({I32, I32, I32, I64, I32})},
      {"fd_prestat_get", errno_fn({I32, I32})},
      {"fd_prestat_dir_name", errno_fn({I32, I32, I32})},
      {"fd_pwrite", errno_fn({I32, I32, I32, I64, I32})},
      {"fd_read", errno_fn({I32, I32, I32, I32})},
      {"fd_readdir", errno_fn({I32, I32, I32, I64, I32})},
      {"fd_renumber", errno_fn({I32, I32})},
      {"fd_seek", errno_fn({I32, I64, I32, I32})},
      {"fd_sync", errno_fn({I32})},
      {"fd_tell", errno_fn({I32, I32})},
      {"fd_write", errno_fn({I32, I32, I32, I32})},
      {"path_create_directory", errno_fn({I32, I32, I32})},
      {"path_filestat_get", errno_fn({I32, I32, I32, I32, I32})},
      {"path_filestat_set_times", errno_fn({I32, I32, I32, I32, I64, I64, I32})},
      {"path_link", errno_fn({I32, I32, I32, I32, I32, I32, I32})},
      {"path_open", errno_fn({I32, I32, I32, I32, I32, I64, I64, I32, I32})},
      {"path_readlink", errno_fn({I32, I32, I32, I32, I32, I32})},
      {"path_remove_directory", errno_fn({I32, I32, I32})},
      {"path_rename", errno_fn({I32, I32, I32, I32, I32, I32})},
      {"path_symlink", errno_fn({I32, I32, I32, I32, I32})},
      {"path_unlink_file", errno_fn({I32, I32, I32})},
      {"poll_oneoff", errno_fn({I32, I32, I32, I32})},
      {"proc_exit", FuncType{{I32}, {}}},
      {"proc_raise", errno_fn({I32})},
      {"sched_yield", errno_fn({})},
      {"random_get", errno_fn({I32, I32})},
      {"sock_accept", errno_fn({I32, I32, I32})},
      {"sock_recv", errno_fn({I32, I32, I32, I32, I32, I32})},
      {"sock_send", errno_fn({I32, I32, I32, I32, I32})},
      {"sock_shutdown", errno_fn({I32, I32})},
  };
  return signatures;
}

const std::vector<engine::HostFunctionPtr>& placeholders() {
  static const std::vector<engine::HostFunctionPtr> functions = [] {
    std::vector<engine::HostFunctionPtr> out;
    for (const auto& signature : table()) {
      std::string qualified = fmt::format("{}.{}", kWasiModule, signature.name);
      std::string message =
          fmt::format("WASI not enabled: {} has no implementation in this wasmgate build yet", qualified);
      out.push_back(std::make_shared<const engine::HostFunction>(
          engine::HostFunction{std::move(qualified), signature.type,
                               [message = std::move(message)](engine::HostCall&) -> Result<void> {
                                 return make_error(Errc::PluginTrap, message);
                               }}));
    }
    return out;
  }();
  return functions;
}

}  // namespace

std::span<const WasiSignature> wasi_preview1_signatures() {
  return table();
}

const WasiSignature* find_wasi_signature(std::string_view name) {
  for (const auto& signature : table()) {
    if (signature.name == name) return &signature;
  }
  return nullptr;
}

void add_wasi_placeholders(engine::Imports& imports) {
  const auto& signatures = table();
  const auto& functions = placeholders();
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    imports.add(std::string(kWasiModule), std::string(signatures[i].name), functions[i]);
  }
}

}  // namespace wasmgate::abi
