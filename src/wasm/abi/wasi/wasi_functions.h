// The preview1 host functions, one per import, grouped by family file. Each documents its witx signature
// (wasm32 lowering) and the rights it needs. Internal to abi/wasi: the table in preview1.cpp links them.
#pragma once

#include "wasm/abi/wasi/wasi_call.h"

namespace wasmgate::abi {

// proc_functions.cpp: args, environ, clocks, random, process, scheduling, poll, sockets.
Result<WasiErrno> wasi_args_get(WasiCall& call);
Result<WasiErrno> wasi_args_sizes_get(WasiCall& call);
Result<WasiErrno> wasi_environ_get(WasiCall& call);
Result<WasiErrno> wasi_environ_sizes_get(WasiCall& call);
Result<WasiErrno> wasi_clock_res_get(WasiCall& call);
Result<WasiErrno> wasi_clock_time_get(WasiCall& call);
Result<WasiErrno> wasi_random_get(WasiCall& call);
Result<WasiErrno> wasi_proc_exit(WasiCall& call);
Result<WasiErrno> wasi_proc_raise(WasiCall& call);
Result<WasiErrno> wasi_sched_yield(WasiCall& call);
Result<WasiErrno> wasi_poll_oneoff(WasiCall& call);
Result<WasiErrno> wasi_sock_accept(WasiCall& call);
Result<WasiErrno> wasi_sock_recv(WasiCall& call);
Result<WasiErrno> wasi_sock_send(WasiCall& call);
Result<WasiErrno> wasi_sock_shutdown(WasiCall& call);

// fd_io.cpp: data in and out of fds.
Result<WasiErrno> wasi_fd_read(WasiCall& call);
Result<WasiErrno> wasi_fd_write(WasiCall& call);
Result<WasiErrno> wasi_fd_pread(WasiCall& call);
Result<WasiErrno> wasi_fd_pwrite(WasiCall& call);
Result<WasiErrno> wasi_fd_seek(WasiCall& call);
Result<WasiErrno> wasi_fd_tell(WasiCall& call);
Result<WasiErrno> wasi_fd_readdir(WasiCall& call);

// fd_meta.cpp: the fd table and fd attributes.
Result<WasiErrno> wasi_fd_advise(WasiCall& call);
Result<WasiErrno> wasi_fd_allocate(WasiCall& call);
Result<WasiErrno> wasi_fd_close(WasiCall& call);
Result<WasiErrno> wasi_fd_datasync(WasiCall& call);
Result<WasiErrno> wasi_fd_fdstat_get(WasiCall& call);
Result<WasiErrno> wasi_fd_fdstat_set_flags(WasiCall& call);
Result<WasiErrno> wasi_fd_fdstat_set_rights(WasiCall& call);
Result<WasiErrno> wasi_fd_filestat_get(WasiCall& call);
Result<WasiErrno> wasi_fd_filestat_set_size(WasiCall& call);
Result<WasiErrno> wasi_fd_filestat_set_times(WasiCall& call);
Result<WasiErrno> wasi_fd_prestat_get(WasiCall& call);
Result<WasiErrno> wasi_fd_prestat_dir_name(WasiCall& call);
Result<WasiErrno> wasi_fd_renumber(WasiCall& call);
Result<WasiErrno> wasi_fd_sync(WasiCall& call);

// path_functions.cpp: names beneath a directory fd (confined by path_resolve.h).
Result<WasiErrno> wasi_path_create_directory(WasiCall& call);
Result<WasiErrno> wasi_path_filestat_get(WasiCall& call);
Result<WasiErrno> wasi_path_filestat_set_times(WasiCall& call);
Result<WasiErrno> wasi_path_link(WasiCall& call);
Result<WasiErrno> wasi_path_open(WasiCall& call);
Result<WasiErrno> wasi_path_readlink(WasiCall& call);
Result<WasiErrno> wasi_path_remove_directory(WasiCall& call);
Result<WasiErrno> wasi_path_rename(WasiCall& call);
Result<WasiErrno> wasi_path_symlink(WasiCall& call);
Result<WasiErrno> wasi_path_unlink_file(WasiCall& call);

}  // namespace wasmgate::abi
