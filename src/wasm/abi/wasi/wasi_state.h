// Per-VM WASI state: the fd table (stdio, the allowedPaths preopens, what the guest opened beneath them),
// the stdout/stderr log lines, and the exit code a proc_exit recorded. Owned by the VM's VmHostContext under
// extensions["wasi"]; used by one thread at a time, like the VM.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/wasi/allowed_paths.h"
#include "wasm/abi/wasi/path_resolve.h"
#include "wasm/abi/wasi/stdio_log.h"
#include "wasm/abi/wasi/wasi_types.h"

namespace wasmgate::abi {

inline constexpr std::string_view kWasiExtension = "wasi";
// Guest fds beyond stdio and preopens: host fds are a process-wide resource, so one plugin cannot hold many.
inline constexpr std::size_t kMaxWasiOpenFiles = 128;

enum class WasiFdKind : std::uint8_t { Stdin, Stdout, Stderr, Host };

struct WasiFd {
  WasiFdKind kind = WasiFdKind::Host;
  UniqueFd host;  // Host only
  WasiFiletype type = WasiFiletype::Unknown;
  WasiRights base = 0;        // what this fd allows
  WasiRights inheriting = 0;  // what fds opened beneath it may get at most
  std::string preopen_name;   // set for preopens: what fd_prestat_dir_name answers
};

class WasiState {
 public:
  // Opens each preopen's host directory (they become fds 3, 4, … in order). PluginLoad naming the entry when
  // one cannot be opened as a directory.
  static Result<std::shared_ptr<WasiState>> create(const std::string& label,
                                                   const std::vector<WasiPreopenSpec>& preopens);

  // The entry for guest fd `fd`, or nullptr (EBADF).
  WasiFd* get(std::uint32_t fd);
  // False when kMaxWasiOpenFiles are open: checked before creating anything on the host.
  bool has_room() const { return live_ < limit_; }
  // Adds `entry` at the lowest free fd: the fd, or nullopt when kMaxWasiOpenFiles are open (EMFILE).
  std::optional<std::uint32_t> add(WasiFd entry);
  // Closes `fd`; false if it is not open.
  bool close(std::uint32_t fd);
  // Moves `from` onto `to` (closing what `to` held); false if either is not open.
  bool renumber(std::uint32_t from, std::uint32_t to);

  WasiStdioLog& stdout_log() { return stdout_; }
  WasiStdioLog& stderr_log() { return stderr_; }

  // Set by proc_exit; read by the VM when the guest call ends (a VM whose guest exited is not reused).
  std::optional<std::int32_t> exit_code;

 private:
  explicit WasiState(const std::string& label);

  std::vector<std::optional<WasiFd>> fds_;
  std::size_t live_ = 0;   // open entries
  std::size_t limit_ = 0;  // stdio + preopens + kMaxWasiOpenFiles
  WasiStdioLog stdout_;
  WasiStdioLog stderr_;
};

// Creates the WASI state of a VM from its allowedPaths and keeps it in context.extensions["wasi"]. PluginLoad
// for a malformed entry or a host directory that cannot be opened.
Result<void> install_wasi(VmHostContext& context,
                          const std::vector<std::pair<std::string, std::string>>& allowed_paths);

// The VM's WASI state, or nullptr when WASI is not installed.
WasiState* wasi_state(VmHostContext& context);

// The code the guest passed to proc_exit, nullopt when it has not exited (or WASI is off). The VM reads it
// when a guest call fails, to tell an exit from a trap.
std::optional<std::int32_t> wasi_exit_code(VmHostContext& context);

}  // namespace wasmgate::abi
