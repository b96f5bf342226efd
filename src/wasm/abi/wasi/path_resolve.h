// Confinement of guest paths to their directory fd, enforced by the kernel: every lookup is openat2(2) with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS relative to the host fd of the guest's directory, so no `..`, no
// symlink (relative or absolute target) and no /proc magic link can resolve outside it, even if the tree
// changes between checks. Absolute guest paths are refused before any lookup. Every escape attempt is
// ENOTCAPABLE (the kernel's EXDEV).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "wasm/abi/wasi/wasi_types.h"

namespace wasmgate::abi {

// An owned host fd, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset();

 private:
  int fd_ = -1;
};

// The preview1 errno for a Linux errno (EXDEV — the kernel's "would leave the directory" — is ENOTCAPABLE).
WasiErrno wasi_errno_from_host(int host_errno);

// Checks a guest path before any lookup: empty → ENOENT, absolute → ENOTCAPABLE, NUL byte → EILSEQ (it
// would cut the path short), longer than PATH_MAX → ENAMETOOLONG.
WasiErrno check_guest_path(std::string_view path);

// Opens `path` beneath `dir_fd` with open(2) `flags` (O_CLOEXEC is added; O_NOFOLLOW unless `follow_final`)
// and `mode` (used with O_CREAT only). The new fd in `out`, or the errno.
WasiErrno open_beneath(int dir_fd, std::string_view path, int flags, mode_t mode, bool follow_final,
                       UniqueFd& out);

// For operations on a name (mkdir, unlink, rename, symlink, link, readlink, utimes): the directory holding
// the last component of `path`, opened beneath `dir_fd` (O_PATH), and that component. Trailing slashes are
// ignored. A last component of "." or ".." is EINVAL, ENOTCAPABLE when it would leave `dir_fd`.
struct ParentDir {
  UniqueFd owned;    // invalid when the parent is dir_fd itself
  int fd = -1;       // the parent: owned.get() or dir_fd
  std::string name;  // one component, no slash
};
WasiErrno open_parent_beneath(int dir_fd, std::string_view path, ParentDir& out);

}  // namespace wasmgate::abi
