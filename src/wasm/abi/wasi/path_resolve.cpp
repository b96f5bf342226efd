#include "wasm/abi/wasi/path_resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <string>

namespace wasmgate::abi {
namespace {

// openat2 answers EAGAIN when a rename or mount raced with a `..` lookup; the lookup is safe to retry.
constexpr int kRaceRetries = 8;

int openat2_beneath(int dir_fd, const std::string& path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags);
  // openat2 refuses a mode without O_CREAT / O_TMPFILE (whose bits include O_DIRECTORY's).
  how.mode = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    const long fd = syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EINTR || (errno == EAGAIN && attempt < kRaceRetries)) continue;
    if (errno == ENOSYS) {
      // Fail closed: without openat2 (Linux < 5.6, or a seccomp filter) there is no race-free confinement.
      static std::atomic<bool> warned{false};
      if (!warned.exchange(true)) {
        spdlog::error("WASI filesystem access refused: openat2(2) is not available (Linux >= 5.6 needed)");
      }
    }
    return -1;
  }
}

}  // namespace

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

WasiErrno wasi_errno_from_host(int host_errno) {
  struct Mapping {
    int host;
    WasiErrno wasi;
  };
  static constexpr Mapping kMappings[] = {
      {0, wasi_errno::kSuccess},
      {E2BIG, wasi_errno::k2Big},
      {EACCES, wasi_errno::kAcces},
      {EAGAIN, wasi_errno::kAgain},
      {EBADF, wasi_errno::kBadf},
      {EBUSY, wasi_errno::kBusy},
      {EEXIST, wasi_errno::kExist},
      {EFAULT, wasi_errno::kFault},
      {EFBIG, wasi_errno::kFbig},
      {EILSEQ, wasi_errno::kIlseq},
      {EINTR, wasi_errno::kIntr},
      {EINVAL, wasi_errno::kInval},
      {EIO, wasi_errno::kIo},
      {EISDIR, wasi_errno::kIsdir},
      {ELOOP, wasi_errno::kLoop},
      {EMFILE, wasi_errno::kMfile},
      {EMLINK, wasi_errno::kMlink},
      {ENAMETOOLONG, wasi_errno::kNametoolong},
      {ENFILE, wasi_errno::kNfile},
      {ENOENT, wasi_errno::kNoent},
      {ENOMEM, wasi_errno::kNomem},
      {ENOSPC, wasi_errno::kNospc},
      {ENOSYS, wasi_errno::kNosys},
      {ENOTDIR, wasi_errno::kNotdir},
      {ENOTEMPTY, wasi_errno::kNotempty},
      {ENOTSOCK, wasi_errno::kNotsock},
      {EOPNOTSUPP, wasi_errno::kNotsup},
      {ENXIO, wasi_errno::kNxio},
      {EOVERFLOW, wasi_errno::kOverflow},
      {EPERM, wasi_errno::kPerm},
      {EPIPE, wasi_errno::kPipe},
      {ERANGE, wasi_errno::kRange},
      {EROFS, wasi_errno::kRofs},
      {ESPIPE, wasi_errno::kSpipe},
      {ETXTBSY, wasi_errno::kTxtbsy},
      {EXDEV, wasi_errno::kNotcapable},  // RESOLVE_BENEATH: the path would leave its directory
  };
  for (const auto& m : kMappings) {
    if (m.host == host_errno) return m.wasi;
  }
  return wasi_errno::kIo;
}

WasiErrno check_guest_path(std::string_view path) {
  if (path.empty()) return wasi_errno::kNoent;
  if (path.front() == '/') return wasi_errno::kNotcapable;
  if (path.find('\0') != std::string_view::npos) return wasi_errno::kIlseq;
  if (path.size() >= PATH_MAX) return wasi_errno::kNametoolong;
  return wasi_errno::kSuccess;
}

WasiErrno open_beneath(int dir_fd, std::string_view path, int flags, mode_t mode, bool follow_final,
                       UniqueFd& out) {
  if (const WasiErrno bad = check_guest_path(path); bad != wasi_errno::kSuccess) return bad;
  flags |= O_CLOEXEC;
  if (!follow_final) flags |= O_NOFOLLOW;
  const int fd = openat2_beneath(dir_fd, std::string(path), flags, mode);
  if (fd < 0) return wasi_errno_from_host(errno);
  out = UniqueFd(fd);
  return wasi_errno::kSuccess;
}

WasiErrno open_parent_beneath(int dir_fd, std::string_view path, ParentDir& out) {
  if (const WasiErrno bad = check_guest_path(path); bad != wasi_errno::kSuccess) return bad;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::string_view parent =
      slash == std::string_view::npos ? std::string_view() : path.substr(0, slash + 1);
  if (name == "." || name == "..") {
    // No name to operate on; still answer ENOTCAPABLE for an escape, as every lookup does.
    UniqueFd probe;
    const WasiErrno err = open_beneath(dir_fd, path, O_PATH | O_DIRECTORY, 0, true, probe);
    return err == wasi_errno::kNotcapable ? err : wasi_errno::kInval;
  }
  out.name = std::string(name);
  if (parent.empty()) {
    out.fd = dir_fd;
    return wasi_errno::kSuccess;
  }
  const WasiErrno err = open_beneath(dir_fd, parent, O_PATH | O_DIRECTORY, 0, true, out.owned);
  if (err != wasi_errno::kSuccess) return err;
  out.fd = out.owned.get();
  return wasi_errno::kSuccess;
}

}  // namespace wasmgate::abi
