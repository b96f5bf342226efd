// The fd table and fd attributes: fd_close, fd_renumber, fd_prestat_*, fd_fdstat_*, fd_filestat_*,
// fd_advise, fd_allocate, fd_sync, fd_datasync.
#include "wasm/abi/wasi/wasi_functions.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wasmgate::abi {
namespace {

// The fd `index` with `needed`, and a host fd behind it (stdio has none: `not_host`).
WasiErrno host_fd(WasiCall& call, std::uint32_t index, WasiRights needed, WasiErrno not_host, WasiFd*& out) {
  if (const WasiErrno e = call.lookup(index, needed, out); e != wasi_errno::kSuccess) return e;
  return out->kind == WasiFdKind::Host ? wasi_errno::kSuccess : not_host;
}

WasiErrno from_result(int rc) {
  return rc == 0 ? wasi_errno::kSuccess : wasi_errno_from_host(errno);
}

}  // namespace

// fd_close(fd) -> errno — any fd, preopens and stdio included (as wasmtime).
Result<WasiErrno> wasi_fd_close(WasiCall& call) {
  return call.state.close(call.u32(0)) ? wasi_errno::kSuccess : wasi_errno::kBadf;
}

// fd_renumber(from, to) -> errno — both must be open; `to` is closed first.
Result<WasiErrno> wasi_fd_renumber(WasiCall& call) {
  return call.state.renumber(call.u32(0), call.u32(1)) ? wasi_errno::kSuccess : wasi_errno::kBadf;
}

// fd_prestat_get(fd, prestat: ptr) -> errno — EBADF for anything but a preopen (wasi-libc scans fds from 3
// until EBADF at start-up).
Result<WasiErrno> wasi_fd_prestat_get(WasiCall& call) {
  const WasiFd* fd = call.state.get(call.u32(0));
  if (fd == nullptr || fd->preopen_name.empty()) return wasi_errno::kBadf;
  auto out = call.memory.slice(call.u32(1), wasi_layout::kPrestatSize);
  if (!out) return wasi_errno::kFault;
  const engine::MemoryView m{out->data(), out->size()};
  m.store<std::uint32_t>(0, 0);  // tag: preopentype dir, and padding
  m.store<std::uint32_t>(4, static_cast<std::uint32_t>(fd->preopen_name.size()));
  return wasi_errno::kSuccess;
}

// fd_prestat_dir_name(fd, path: ptr, path_len: u32) -> errno — the guest name, no NUL; ENAMETOOLONG if
// path_len is too small.
Result<WasiErrno> wasi_fd_prestat_dir_name(WasiCall& call) {
  const WasiFd* fd = call.state.get(call.u32(0));
  if (fd == nullptr || fd->preopen_name.empty()) return wasi_errno::kBadf;
  if (call.u32(2) < fd->preopen_name.size()) return wasi_errno::kNametoolong;
  auto out = call.memory.slice(call.u32(1), fd->preopen_name.size());
  if (!out) return wasi_errno::kFault;
  std::memcpy(out->data(), fd->preopen_name.data(), fd->preopen_name.size());
  return wasi_errno::kSuccess;
}

// fd_fdstat_get(fd, stat: ptr<fdstat>) -> errno — filetype, fdflags, rights; no right needed.
Result<WasiErrno> wasi_fd_fdstat_get(WasiCall& call) {
  const WasiFd* fd = call.state.get(call.u32(0));
  if (fd == nullptr) return wasi_errno::kBadf;
  std::uint16_t flags = 0;
  if (fd->kind == WasiFdKind::Host) {
    const int fl = ::fcntl(fd->host.get(), F_GETFL);
    if (fl < 0) return wasi_errno_from_host(errno);
    if (fl & O_APPEND) flags |= wasi_flags::kAppend;
    if (fl & O_NONBLOCK) flags |= wasi_flags::kNonblock;
    if ((fl & O_SYNC) == O_SYNC) {
      flags |= wasi_flags::kSync | wasi_flags::kRsync;
    } else if (fl & O_DSYNC) {
      flags |= wasi_flags::kDsync;
    }
  }
  auto out = call.memory.slice(call.u32(1), wasi_layout::kFdstatSize);
  if (!out) return wasi_errno::kFault;
  const engine::MemoryView m{out->data(), out->size()};
  m.store<std::uint64_t>(0, 0);  // filetype, padding, flags, padding
  m.store<std::uint8_t>(0, static_cast<std::uint8_t>(fd->type));
  m.store<std::uint16_t>(2, flags);
  m.store<std::uint64_t>(8, fd->base);
  m.store<std::uint64_t>(16, fd->inheriting);
  return wasi_errno::kSuccess;
}

// fd_fdstat_set_flags(fd, flags: u16) -> errno — needs fd_fdstat_set_flags. APPEND and NONBLOCK can change
// on an open Linux fd; the sync flags cannot (ENOTSUP). On stdio only NONBLOCK, a no-op there.
Result<WasiErrno> wasi_fd_fdstat_set_flags(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdFdstatSetFlags, fd);
  if (e != wasi_errno::kSuccess) return e;
  const std::uint32_t flags = call.u32(1);
  if (flags & ~std::uint32_t{wasi_flags::kAppend | wasi_flags::kNonblock}) return wasi_errno::kNotsup;
  if (fd->kind != WasiFdKind::Host)
    return (flags & wasi_flags::kAppend) ? wasi_errno::kNotsup : wasi_errno::kSuccess;
  int fl = ::fcntl(fd->host.get(), F_GETFL);
  if (fl < 0) return wasi_errno_from_host(errno);
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & wasi_flags::kAppend) fl |= O_APPEND;
  if (flags & wasi_flags::kNonblock) fl |= O_NONBLOCK;
  return from_result(::fcntl(fd->host.get(), F_SETFL, fl));
}

// fd_fdstat_set_rights(fd, base: u64, inheriting: u64) -> errno — rights only shrink (ENOTCAPABLE otherwise).
Result<WasiErrno> wasi_fd_fdstat_set_rights(WasiCall& call) {
  WasiFd* fd = call.state.get(call.u32(0));
  if (fd == nullptr) return wasi_errno::kBadf;
  const WasiRights base = call.u64(1), inheriting = call.u64(2);
  if ((base & ~fd->base) != 0 || (inheriting & ~fd->inheriting) != 0) return wasi_errno::kNotcapable;
  fd->base = base;
  fd->inheriting = inheriting;
  return wasi_errno::kSuccess;
}

// fd_filestat_get(fd, buf: ptr<filestat>) -> errno — needs fd_filestat_get; stdio is a character device.
Result<WasiErrno> wasi_fd_filestat_get(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdFilestatGet, fd);
  if (e != wasi_errno::kSuccess) return e;
  struct stat st {};
  if (fd->kind != WasiFdKind::Host) {
    st.st_mode = S_IFCHR;
  } else if (::fstat(fd->host.get(), &st) != 0) {
    return wasi_errno_from_host(errno);
  }
  return store_filestat(call, call.u32(1), st);
}

// fd_filestat_set_size(fd, size: u64) -> errno — needs fd_filestat_set_size.
Result<WasiErrno> wasi_fd_filestat_set_size(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = host_fd(call, call.u32(0), wasi_rights::kFdFilestatSetSize, wasi_errno::kInval, fd);
  if (e != wasi_errno::kSuccess) return e;
  if (call.u64(1) > INT64_MAX) return wasi_errno::kFbig;
  return from_result(::ftruncate(fd->host.get(), static_cast<off_t>(call.u64(1))));
}

// fd_filestat_set_times(fd, atim: u64, mtim: u64, fst_flags: u16) -> errno — needs fd_filestat_set_times.
Result<WasiErrno> wasi_fd_filestat_set_times(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = host_fd(call, call.u32(0), wasi_rights::kFdFilestatSetTimes, wasi_errno::kInval, fd);
  if (e != wasi_errno::kSuccess) return e;
  timespec times[2];
  if (const WasiErrno bad =
          wasi_times(call.u64(1), call.u64(2), static_cast<std::uint16_t>(call.u32(3)), times);
      bad != wasi_errno::kSuccess) {
    return bad;
  }
  return from_result(::futimens(fd->host.get(), times));
}

// fd_advise(fd, offset: u64, len: u64, advice: u8) -> errno — needs fd_advise; a hint to the host's cache.
Result<WasiErrno> wasi_fd_advise(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = host_fd(call, call.u32(0), wasi_rights::kFdAdvise, wasi_errno::kSpipe, fd);
  if (e != wasi_errno::kSuccess) return e;
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  const std::uint32_t advice = call.u32(3);
  if (advice >= std::size(kAdvice) || call.u64(1) > INT64_MAX || call.u64(2) > INT64_MAX)
    return wasi_errno::kInval;
  const int rc = ::posix_fadvise(fd->host.get(), static_cast<off_t>(call.u64(1)),
                                 static_cast<off_t>(call.u64(2)), kAdvice[advice]);
  return rc == 0 ? wasi_errno::kSuccess : wasi_errno_from_host(rc);
}

// fd_allocate(fd, offset: u64, len: u64) -> errno — needs fd_allocate.
Result<WasiErrno> wasi_fd_allocate(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = host_fd(call, call.u32(0), wasi_rights::kFdAllocate, wasi_errno::kInval, fd);
  if (e != wasi_errno::kSuccess) return e;
  if (call.u64(1) > INT64_MAX || call.u64(2) > INT64_MAX) return wasi_errno::kInval;
  const int rc =
      ::posix_fallocate(fd->host.get(), static_cast<off_t>(call.u64(1)), static_cast<off_t>(call.u64(2)));
  return rc == 0 ? wasi_errno::kSuccess : wasi_errno_from_host(rc);
}

// fd_sync(fd) / fd_datasync(fd) -> errno — need fd_sync / fd_datasync.
Result<WasiErrno> wasi_fd_sync(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = host_fd(call, call.u32(0), wasi_rights::kFdSync, wasi_errno::kInval, fd);
  return e != wasi_errno::kSuccess ? e : from_result(::fsync(fd->host.get()));
}
Result<WasiErrno> wasi_fd_datasync(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = host_fd(call, call.u32(0), wasi_rights::kFdDatasync, wasi_errno::kInval, fd);
  return e != wasi_errno::kSuccess ? e : from_result(::fdatasync(fd->host.get()));
}

}  // namespace wasmgate::abi
