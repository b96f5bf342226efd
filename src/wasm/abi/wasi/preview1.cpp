#include "wasm/abi/wasi/preview1.h"

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "wasm/abi/wasi/wasi_functions.h"

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

struct WasiEntry {
  WasiSignature signature;
  WasiCallback callback;
};

const std::vector<WasiEntry>& table() {
  static const std::vector<WasiEntry> entries = {
      {{"args_get", errno_fn({I32, I32})}, wasi_args_get},
      {{"args_sizes_get", errno_fn({I32, I32})}, wasi_args_sizes_get},
      {{"environ_get", errno_fn({I32, I32})}, wasi_environ_get},
      {{"environ_sizes_get", errno_fn({I32, I32})}, wasi_environ_sizes_get},
      {{"clock_res_get", errno_fn({I32, I32})}, wasi_clock_res_get},
      {{"clock_time_get", errno_fn({I32, I64, I32})}, wasi_clock_time_get},
      {{"fd_advise", errno_fn({I32, I64, I64, I32})}, wasi_fd_advise},
      {{"fd_allocate", errno_fn({I32, I64, I64})}, wasi_fd_allocate},
      {{"fd_close", errno_fn({I32})}, wasi_fd_close},
      {{"fd_datasync", errno_fn({I32})}, wasi_fd_datasync},
      {{"fd_fdstat_get", errno_fn({I32, I32})}, wasi_fd_fdstat_get},
      {{"fd_fdstat_set_flags", errno_fn({I32, I32})}, wasi_fd_fdstat_set_flags},
      {{"fd_fdstat_set_rights", errno_fn({I32, I64, I64})}, wasi_fd_fdstat_set_rights},
      {{"fd_filestat_get", errno_fn({I32, I32})}, wasi_fd_filestat_get},
      {{"fd_filestat_set_size", errno_fn({I32, I64})}, wasi_fd_filestat_set_size},
      {{"fd_filestat_set_times", errno_fn({I32, I64, I64, I32})}, wasi_fd_filestat_set_times},
      {{"fd_pread", errno_fn({I32, I32, I32, I64, I32})}, wasi_fd_pread},
      {{"fd_prestat_get", errno_fn({I32, I32})}, wasi_fd_prestat_get},
      {{"fd_prestat_dir_name", errno_fn({I32, I32, I32})}, wasi_fd_prestat_dir_name},
      {{"fd_pwrite", errno_fn({I32, I32, I32, I64, I32})}, wasi_fd_pwrite},
      {{"fd_read", errno_fn({I32, I32, I32, I32})}, wasi_fd_read},
      {{"fd_readdir", errno_fn({I32, I32, I32, I64, I32})}, wasi_fd_readdir},
      {{"fd_renumber", errno_fn({I32, I32})}, wasi_fd_renumber},
      {{"fd_seek", errno_fn({I32, I64, I32, I32})}, wasi_fd_seek},
      {{"fd_sync", errno_fn({I32})}, wasi_fd_sync},
      {{"fd_tell", errno_fn({I32, I32})}, wasi_fd_tell},
      {{"fd_write", errno_fn({I32, I32, I32, I32})}, wasi_fd_write},
      {{"path_create_directory", errno_fn({I32, I32, I32})}, wasi_path_create_directory},
      {{"path_filestat_get", errno_fn({I32, I32, I32, I32, I32})}, wasi_path_filestat_get},
      {{"path_filestat_set_times", errno_fn({I32, I32, I32, I32, I64, I64, I32})},
       wasi_path_filestat_set_times},
      {{"path_link", errno_fn({I32, I32, I32, I32, I32, I32, I32})}, wasi_path_link},
      {{"path_open", errno_fn({I32, I32, I32, I32, I32, I64, I64, I32, I32})}, wasi_path_open},
      {{"path_readlink", errno_fn({I32, I32, I32, I32, I32, I32})}, wasi_path_readlink},
      {{"path_remove_directory", errno_fn({I32, I32, I32})}, wasi_path_remove_directory},
      {{"path_rename", errno_fn({I32, I32, I32, I32, I32, I32})}, wasi_path_rename},
      {{"path_symlink", errno_fn({I32, I32, I32, I32, I32})}, wasi_path_symlink},
      {{"path_unlink_file", errno_fn({I32, I32, I32})}, wasi_path_unlink_file},
      {{"poll_oneoff", errno_fn({I32, I32, I32, I32})}, wasi_poll_oneoff},
      {{"proc_exit", FuncType{{I32}, {}}}, wasi_proc_exit},
      {{"proc_raise", errno_fn({I32})}, wasi_proc_raise},
      {{"sched_yield", errno_fn({})}, wasi_sched_yield},
      {{"random_get", errno_fn({I32, I32})}, wasi_random_get},
      {{"sock_accept", errno_fn({I32, I32, I32})}, wasi_sock_accept},
      {{"sock_recv", errno_fn({I32, I32, I32, I32, I32, I32})}, wasi_sock_recv},
      {{"sock_send", errno_fn({I32, I32, I32, I32, I32})}, wasi_sock_send},
      {{"sock_shutdown", errno_fn({I32, I32})}, wasi_sock_shutdown},
  };
  return entries;
}

// The engine's host function for one entry: finds the VM's WASI state and the guest memory, runs the
// callback, and stores its errno in the result slot.
engine::HostFunctionPtr make_host_function(const WasiEntry& entry) {
  const WasiCallback callback = entry.callback;
  return std::make_shared<const engine::HostFunction>(engine::HostFunction{
      fmt::format("{}.{}", kWasiModule, entry.signature.name), entry.signature.type,
      [callback, name = entry.signature.name](engine::HostCall& host) -> Result<void> {
        auto context = host_context(host);
        if (!context) return context.take_error();
        WasiState* state = wasi_state(**context);
        if (state == nullptr) {
          return make_error(Errc::Internal, fmt::format("{}: {}.{} called but WASI state is not installed",
                                                        (*context)->label(), kWasiModule, name));
        }
        engine::Memory* memory = host.memory();
        WasiCall call{host, **context, *state, memory ? memory->view() : engine::MemoryView{}};
        auto errno_value = callback(call);
        if (!errno_value) return errno_value.take_error();
        if (!host.results().empty()) host.results()[0] = engine::Value::i32(*errno_value);
        return {};
      }});
}

const std::vector<engine::HostFunctionPtr>& host_functions() {
  static const std::vector<engine::HostFunctionPtr> functions = [] {
    std::vector<engine::HostFunctionPtr> out;
    for (const auto& entry : table()) out.push_back(make_host_function(entry));
    return out;
  }();
  return functions;
}

}  // namespace

std::span<const WasiSignature> wasi_preview1_signatures() {
  static const std::vector<WasiSignature> signatures = [] {
    std::vector<WasiSignature> out;
    for (const auto& entry : table()) out.push_back(entry.signature);
    return out;
  }();
  return signatures;
}

const WasiSignature* find_wasi_signature(std::string_view name) {
  for (const auto& signature : wasi_preview1_signatures()) {
    if (signature.name == name) return &signature;
  }
  return nullptr;
}

void add_wasi_imports(engine::Imports& imports) {
  const auto& entries = table();
  const auto& functions = host_functions();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    imports.add(std::string(kWasiModule), std::string(entries[i].signature.name), functions[i]);
  }
}

}  // namespace wasmgate::abi
