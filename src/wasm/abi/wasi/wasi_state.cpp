#include "wasm/abi/wasi/wasi_state.h"

#include <fcntl.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace wasmgate::abi {
namespace {

WasiFd stdio(WasiFdKind kind, WasiRights base) {
  WasiFd fd;
  fd.kind = kind;
  // A character device without seek/tell rights: wasi-libc then treats it as a tty and line-buffers stdout,
  // so each printf'd line reaches the log at once (a reactor never flushes at exit).
  fd.type = WasiFiletype::CharacterDevice;
  fd.base =
      base | wasi_rights::kFdFdstatSetFlags | wasi_rights::kFdFilestatGet | wasi_rights::kPollFdReadwrite;
  return fd;
}

}  // namespace

WasiState::WasiState(const std::string& label)
    : stdout_(label + " stdout", spdlog::level::info), stderr_(label + " stderr", spdlog::level::warn) {}

Result<std::shared_ptr<WasiState>> WasiState::create(const std::string& label,
                                                     const std::vector<WasiPreopenSpec>& preopens) {
  std::shared_ptr<WasiState> state(new WasiState(label));
  state->fds_.emplace_back(stdio(WasiFdKind::Stdin, wasi_rights::kFdRead));
  state->fds_.emplace_back(stdio(WasiFdKind::Stdout, wasi_rights::kFdWrite));
  state->fds_.emplace_back(stdio(WasiFdKind::Stderr, wasi_rights::kFdWrite));
  for (const auto& spec : preopens) {
    const int fd = ::open(spec.host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return make_error(Errc::PluginLoad,
                        fmt::format("allowedPaths: cannot open host directory \"{}\" (guest \"{}\"): {}",
                                    spec.host, spec.guest, std::strerror(errno)));
    }
    WasiFd entry;
    entry.host = UniqueFd(fd);
    entry.type = WasiFiletype::Directory;
    if (spec.writable) {
      entry.base = entry.inheriting = wasi_rights::kAllFileAndDirectory;
    } else {
      entry.base = wasi_rights::kReadOnlyDirectory;
      entry.inheriting = wasi_rights::kReadOnlyDirectory | wasi_rights::kReadOnlyFile;
    }
    entry.preopen_name = spec.guest;
    state->fds_.emplace_back(std::move(entry));
  }
  state->live_ = state->fds_.size();
  state->limit_ = state->live_ + kMaxWasiOpenFiles;
  return state;
}

WasiFd* WasiState::get(std::uint32_t fd) {
  if (fd >= fds_.size() || !fds_[fd]) return nullptr;
  return &*fds_[fd];
}

std::optional<std::uint32_t> WasiState::add(WasiFd entry) {
  if (live_ >= limit_) return std::nullopt;
  std::size_t slot = 0;
  while (slot < fds_.size() && fds_[slot]) ++slot;
  if (slot == fds_.size()) fds_.emplace_back();
  fds_[slot] = std::move(entry);
  ++live_;
  return static_cast<std::uint32_t>(slot);
}

bool WasiState::close(std::uint32_t fd) {
  if (get(fd) == nullptr) return false;
  fds_[fd].reset();
  --live_;
  return true;
}

bool WasiState::renumber(std::uint32_t from, std::uint32_t to) {
  if (get(from) == nullptr || get(to) == nullptr) return false;
  if (from == to) return true;
  fds_[to] = std::move(fds_[from]);
  fds_[from].reset();
  --live_;
  return true;
}

Result<void> install_wasi(VmHostContext& context,
                          const std::vector<std::pair<std::string, std::string>>& allowed_paths) {
  auto preopens = parse_allowed_paths(allowed_paths);
  if (!preopens) return preopens.take_error();
  auto state = WasiState::create(context.label(), *preopens);
  if (!state) return state.take_error();
  context.extensions[std::string(kWasiExtension)] = std::move(*state);
  return {};
}

WasiState* wasi_state(VmHostContext& context) {
  const auto it = context.extensions.find(kWasiExtension);
  if (it == context.extensions.end()) return nullptr;
  return static_cast<WasiState*>(it->second.get());
}

std::optional<std::int32_t> wasi_exit_code(VmHostContext& context) {
  WasiState* state = wasi_state(context);
  return state == nullptr ? std::nullopt : state->exit_code;
}

}  // namespace wasmgate::abi
