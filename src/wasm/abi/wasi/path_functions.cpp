// Names beneath a directory fd: path_open, path_filestat_*, path_create_directory, path_remove_directory,
// path_unlink_file, path_readlink, path_rename, path_symlink, path_link. Every lookup goes through
// path_resolve.h (openat2 RESOLVE_BENEATH), so none leaves the preopen; every write needs its right, which a
// read-only preopen never grants (ENOTCAPABLE).
#include "wasm/abi/wasi/wasi_functions.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace wasmgate::abi {
namespace {

using namespace wasi_rights;

// Base rights that mean "open for writing" (wasi-libc, Rust std and wasmtime agree on this set).
constexpr WasiRights kWriteIntent = kFdWrite | kFdDatasync | kFdAllocate | kFdFilestatSetSize;

// The directory fd `index` holding `needed`.
WasiErrno directory(WasiCall& call, std::uint32_t index, WasiRights needed, WasiFd*& out) {
  if (const WasiErrno e = call.lookup(index, needed, out); e != wasi_errno::kSuccess) return e;
  return out->kind == WasiFdKind::Host && out->type == WasiFiletype::Directory ? wasi_errno::kSuccess
                                                                               : wasi_errno::kNotdir;
}

// The guest path [ptr, ptr+len).
WasiErrno guest_path(const WasiCall& call, std::uint32_t ptr, std::uint32_t len, std::string_view& out) {
  auto path = call.string(ptr, len);
  if (!path) return wasi_errno::kFault;
  out = *path;
  return wasi_errno::kSuccess;
}

// Resolves (fd, path) to the parent directory and last name, for an operation needing `needed` on fd.
WasiErrno parent_of(WasiCall& call, std::uint32_t fd, std::uint32_t ptr, std::uint32_t len, WasiRights needed,
                    ParentDir& out) {
  WasiFd* dir = nullptr;
  if (const WasiErrno e = directory(call, fd, needed, dir); e != wasi_errno::kSuccess) return e;
  std::string_view path;
  if (const WasiErrno e = guest_path(call, ptr, len, path); e != wasi_errno::kSuccess) return e;
  return open_parent_beneath(dir->host.get(), path, out);
}

WasiErrno from_result(int rc) {
  return rc == 0 ? wasi_errno::kSuccess : wasi_errno_from_host(errno);
}

// "/proc/self/fd/N": acts on what an O_PATH fd (already resolved beneath its preopen) refers to, for the
// calls that cannot take an O_PATH fd directly (utimensat, linkat following the link).
std::string proc_fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

// The O_PATH fd of the path the call names (directory fd = argument 0, path = arguments 2 and 3), resolved
// beneath that directory, its final symlink followed or not.
WasiErrno open_path_argument(WasiCall& call, WasiRights needed, bool follow, UniqueFd& out) {
  WasiFd* dir = nullptr;
  if (const WasiErrno e = directory(call, call.u32(0), needed, dir); e != wasi_errno::kSuccess) return e;
  std::string_view path;
  if (const WasiErrno e = guest_path(call, call.u32(2), call.u32(3), path); e != wasi_errno::kSuccess)
    return e;
  return open_beneath(dir->host.get(), path, O_PATH, 0, follow, out);
}

}  // namespace

// path_open(fd, dirflags: u32, path, path_len, oflags: u16, fs_rights_base: u64, fs_rights_inheriting: u64,
//           fdflags: u16, opened_fd: ptr<u32>) -> errno
//   Needs path_open on fd; oflags creat needs path_create_file, trunc path_filestat_set_size; a write intent
//   needs fd_write among fd's inheriting rights. All three are ENOTCAPABLE beneath a read-only preopen. Other
//   requested rights are narrowed to fd's inheriting ones silently (libcs ask for more than they use).
Result<WasiErrno> wasi_path_open(WasiCall& call) {
  const std::uint32_t dirflags = call.u32(1), oflags = call.u32(4), fdflags = call.u32(7);
  const WasiRights base = call.u64(5), inheriting = call.u64(6);
  WasiFd* dir = nullptr;
  if (const WasiErrno e = directory(call, call.u32(0), kPathOpen, dir); e != wasi_errno::kSuccess) return e;
  std::string_view path;
  if (const WasiErrno e = guest_path(call, call.u32(2), call.u32(3), path); e != wasi_errno::kSuccess)
    return e;
  if (!call.state.has_room()) return wasi_errno::kMfile;
  const bool write = (base & kWriteIntent) != 0;
  const bool read = (base & (kFdRead | kFdReaddir)) != 0;
  if (((oflags & wasi_flags::kCreat) && !(dir->base & kPathCreateFile)) ||
      ((oflags & wasi_flags::kTrunc) && !(dir->base & kPathFilestatSetSize)) ||
      (write && !(dir->inheriting & kFdWrite))) {
    return wasi_errno::kNotcapable;
  }

  // O_NONBLOCK while opening, so a FIFO placed in a preopen cannot stall the thread; cleared below unless
  // the guest asked for it.
  int flags = (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY) | O_NONBLOCK;
  if (oflags & wasi_flags::kCreat) flags |= O_CREAT;
  if (oflags & wasi_flags::kDirectory) flags |= O_DIRECTORY;
  if (oflags & wasi_flags::kExcl) flags |= O_EXCL;
  if (oflags & wasi_flags::kTrunc) flags |= O_TRUNC;
  if (fdflags & wasi_flags::kAppend) flags |= O_APPEND;
  if (fdflags & wasi_flags::kDsync) flags |= O_DSYNC;
  if (fdflags & (wasi_flags::kSync | wasi_flags::kRsync)) flags |= O_SYNC;
  UniqueFd opened;
  const bool follow = (dirflags & wasi_flags::kSymlinkFollow) != 0;
  if (const WasiErrno e = open_beneath(dir->host.get(), path, flags, 0666, follow, opened);
      e != wasi_errno::kSuccess) {
    return e;
  }
  if (!(fdflags & wasi_flags::kNonblock) &&
      ::fcntl(opened.get(), F_SETFL, flags & ~O_NONBLOCK & ~O_CREAT) != 0) {
    return wasi_errno_from_host(errno);
  }
  struct stat st {};
  if (::fstat(opened.get(), &st) != 0) return wasi_errno_from_host(errno);

  WasiFd entry;
  entry.host = std::move(opened);
  entry.type = wasi_filetype(st.st_mode);
  entry.base = base & dir->inheriting;
  entry.inheriting = inheriting & dir->inheriting;
  const auto index = call.state.add(std::move(entry));
  if (!index) return wasi_errno::kMfile;
  return call.store<std::uint32_t>(call.u32(8), *index);
}

// path_filestat_get(fd, flags: u32, path, path_len, buf: ptr<filestat>) -> errno — needs
// path_filestat_get; follows a final symlink only with lookupflags symlink_follow.
Result<WasiErrno> wasi_path_filestat_get(WasiCall& call) {
  UniqueFd target;
  const bool follow = (call.u32(1) & wasi_flags::kSymlinkFollow) != 0;
  if (const WasiErrno e = open_path_argument(call, kPathFilestatGet, follow, target);
      e != wasi_errno::kSuccess)
    return e;
  struct stat st {};
  if (::fstatat(target.get(), "", &st, AT_EMPTY_PATH) != 0) return wasi_errno_from_host(errno);
  return store_filestat(call, call.u32(4), st);
}

// path_filestat_set_times(fd, flags: u32, path, path_len, atim: u64, mtim: u64, fst_flags: u16) -> errno —
// needs path_filestat_set_times.
Result<WasiErrno> wasi_path_filestat_set_times(WasiCall& call) {
  timespec times[2];
  if (const WasiErrno bad =
          wasi_times(call.u64(4), call.u64(5), static_cast<std::uint16_t>(call.u32(6)), times);
      bad != wasi_errno::kSuccess) {
    return bad;
  }
  if ((call.u32(1) & wasi_flags::kSymlinkFollow) == 0) {
    ParentDir parent;
    const WasiErrno e = parent_of(call, call.u32(0), call.u32(2), call.u32(3), kPathFilestatSetTimes, parent);
    if (e != wasi_errno::kSuccess) return e;
    return from_result(::utimensat(parent.fd, parent.name.c_str(), times, AT_SYMLINK_NOFOLLOW));
  }
  UniqueFd target;
  if (const WasiErrno e = open_path_argument(call, kPathFilestatSetTimes, true, target);
      e != wasi_errno::kSuccess)
    return e;
  return from_result(::utimensat(AT_FDCWD, proc_fd_path(target.get()).c_str(), times, 0));
}

// path_create_directory(fd, path, path_len) -> errno — needs path_create_directory.
Result<WasiErrno> wasi_path_create_directory(WasiCall& call) {
  ParentDir parent;
  const WasiErrno e = parent_of(call, call.u32(0), call.u32(1), call.u32(2), kPathCreateDirectory, parent);
  return e != wasi_errno::kSuccess ? e : from_result(::mkdirat(parent.fd, parent.name.c_str(), 0777));
}

// path_remove_directory(fd, path, path_len) -> errno — needs path_remove_directory.
Result<WasiErrno> wasi_path_remove_directory(WasiCall& call) {
  ParentDir parent;
  const WasiErrno e = parent_of(call, call.u32(0), call.u32(1), call.u32(2), kPathRemoveDirectory, parent);
  return e != wasi_errno::kSuccess ? e
                                   : from_result(::unlinkat(parent.fd, parent.name.c_str(), AT_REMOVEDIR));
}

// path_unlink_file(fd, path, path_len) -> errno — needs path_unlink_file; a symlink itself is removed.
Result<WasiErrno> wasi_path_unlink_file(WasiCall& call) {
  ParentDir parent;
  const WasiErrno e = parent_of(call, call.u32(0), call.u32(1), call.u32(2), kPathUnlinkFile, parent);
  return e != wasi_errno::kSuccess ? e : from_result(::unlinkat(parent.fd, parent.name.c_str(), 0));
}

// path_readlink(fd, path, path_len, buf: ptr, buf_len: u32, bufused: ptr<u32>) -> errno — needs
// path_readlink; the link's text, cut at buf_len. Reading the text resolves nothing.
Result<WasiErrno> wasi_path_readlink(WasiCall& call) {
  ParentDir parent;
  const WasiErrno e = parent_of(call, call.u32(0), call.u32(1), call.u32(2), kPathReadlink, parent);
  if (e != wasi_errno::kSuccess) return e;
  auto out = call.memory.slice(call.u32(3), call.u32(4));
  if (!out) return wasi_errno::kFault;
  const ssize_t n =
      ::readlinkat(parent.fd, parent.name.c_str(), reinterpret_cast<char*>(out->data()), out->size());
  if (n < 0) return wasi_errno_from_host(errno);
  return call.store<std::uint32_t>(call.u32(5), static_cast<std::uint32_t>(n));
}

// path_rename(fd, old_path, old_path_len, new_fd, new_path, new_path_len) -> errno — needs
// path_rename_source on fd and path_rename_target on new_fd.
Result<WasiErrno> wasi_path_rename(WasiCall& call) {
  ParentDir from, to;
  WasiErrno e = parent_of(call, call.u32(0), call.u32(1), call.u32(2), kPathRenameSource, from);
  if (e != wasi_errno::kSuccess) return e;
  e = parent_of(call, call.u32(3), call.u32(4), call.u32(5), kPathRenameTarget, to);
  if (e != wasi_errno::kSuccess) return e;
  return from_result(::renameat(from.fd, from.name.c_str(), to.fd, to.name.c_str()));
}

// path_symlink(old_path, old_path_len, fd, new_path, new_path_len) -> errno — needs path_symlink. An
// absolute target is ENOTCAPABLE (it could only ever point outside); a relative one is stored as is and, like
// every link, only ever resolved beneath a preopen.
Result<WasiErrno> wasi_path_symlink(WasiCall& call) {
  std::string_view target;
  if (const WasiErrno e = guest_path(call, call.u32(0), call.u32(1), target); e != wasi_errno::kSuccess)
    return e;
  if (const WasiErrno bad = check_guest_path(target); bad != wasi_errno::kSuccess) return bad;
  ParentDir parent;
  const WasiErrno e = parent_of(call, call.u32(2), call.u32(3), call.u32(4), kPathSymlink, parent);
  if (e != wasi_errno::kSuccess) return e;
  return from_result(::symlinkat(std::string(target).c_str(), parent.fd, parent.name.c_str()));
}

// path_link(old_fd, old_flags: u32, old_path, old_path_len, new_fd, new_path, new_path_len) -> errno — needs
// path_link_source on old_fd and path_link_target on new_fd. With symlink_follow, links what the old path
// resolves to beneath its preopen.
Result<WasiErrno> wasi_path_link(WasiCall& call) {
  ParentDir to;
  const WasiErrno e = parent_of(call, call.u32(4), call.u32(5), call.u32(6), kPathLinkTarget, to);
  if (e != wasi_errno::kSuccess) return e;
  if ((call.u32(1) & wasi_flags::kSymlinkFollow) == 0) {
    ParentDir from;
    const WasiErrno f = parent_of(call, call.u32(0), call.u32(2), call.u32(3), kPathLinkSource, from);
    if (f != wasi_errno::kSuccess) return f;
    return from_result(::linkat(from.fd, from.name.c_str(), to.fd, to.name.c_str(), 0));
  }
  UniqueFd source;
  if (const WasiErrno f = open_path_argument(call, kPathLinkSource, true, source); f != wasi_errno::kSuccess)
    return f;
  return from_result(
      ::linkat(AT_FDCWD, proc_fd_path(source.get()).c_str(), to.fd, to.name.c_str(), AT_SYMLINK_FOLLOW));
}

}  // namespace wasmgate::abi
