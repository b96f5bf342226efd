// Data in and out of fds: fd_read, fd_write (stdout/stderr → the gateway log), fd_pread, fd_pwrite, fd_seek,
// fd_tell, fd_readdir.
#include "wasm/abi/wasi/wasi_functions.h"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace wasmgate::abi {
namespace {

// Runs a readv/writev-like host call over the guest's iovecs and stores the byte count at `count_ptr`.
template <typename Io>
WasiErrno transfer(WasiCall& call, const WasiFd& fd, std::uint32_t iovs, std::uint32_t iovs_len,
                   std::uint32_t count_ptr, Io io) {
  std::vector<iovec> vecs;
  if (const WasiErrno e = guest_iovecs(call.memory, iovs, iovs_len, vecs); e != wasi_errno::kSuccess)
    return e;
  ssize_t n;
  do {
    n = io(fd.host.get(), vecs.data(), static_cast<int>(vecs.size()));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return wasi_errno_from_host(errno);
  return call.store<std::uint32_t>(count_ptr, static_cast<std::uint32_t>(n));
}

bool plugin_logs_at(const VmHostContext& context, PluginLogLevel level) {
  return static_cast<std::int32_t>(level) >= static_cast<std::int32_t>(context.log_level);
}

// stdout / stderr: every byte is accepted; lines go to the gateway log unless the plugin's log level is
// above the stream's (info for stdout, warn for stderr).
WasiErrno write_to_log(WasiCall& call, const WasiFd& fd, std::uint32_t iovs, std::uint32_t iovs_len,
                       std::uint32_t count_ptr) {
  std::vector<iovec> vecs;
  if (const WasiErrno e = guest_iovecs(call.memory, iovs, iovs_len, vecs); e != wasi_errno::kSuccess)
    return e;
  const bool is_stdout = fd.kind == WasiFdKind::Stdout;
  WasiStdioLog& log = is_stdout ? call.state.stdout_log() : call.state.stderr_log();
  const bool logged = plugin_logs_at(call.context, is_stdout ? PluginLogLevel::Info : PluginLogLevel::Warn);
  std::uint64_t total = 0;
  for (const auto& v : vecs) {
    if (logged) log.write(std::string_view(static_cast<const char*>(v.iov_base), v.iov_len));
    total += v.iov_len;
  }
  return call.store<std::uint32_t>(count_ptr,
                                   static_cast<std::uint32_t>(std::min<std::uint64_t>(total, UINT32_MAX)));
}

}  // namespace

// fd_read(fd, iovs: ptr<iovec>, iovs_len: u32, nread: ptr<u32>) -> errno — needs fd_read. stdin is empty.
Result<WasiErrno> wasi_fd_read(WasiCall& call) {
  WasiFd* fd = nullptr;
  if (const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdRead, fd); e != wasi_errno::kSuccess)
    return e;
  if (fd->kind != WasiFdKind::Host) return call.store<std::uint32_t>(call.u32(3), 0);
  return transfer(call, *fd, call.u32(1), call.u32(2), call.u32(3), ::readv);
}

// fd_write(fd, iovs: ptr<ciovec>, iovs_len: u32, nwritten: ptr<u32>) -> errno — needs fd_write.
Result<WasiErrno> wasi_fd_write(WasiCall& call) {
  WasiFd* fd = nullptr;
  if (const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdWrite, fd); e != wasi_errno::kSuccess)
    return e;
  if (fd->kind != WasiFdKind::Host) return write_to_log(call, *fd, call.u32(1), call.u32(2), call.u32(3));
  return transfer(call, *fd, call.u32(1), call.u32(2), call.u32(3), ::writev);
}

// fd_pread(fd, iovs, iovs_len, offset: u64, nread: ptr<u32>) -> errno — needs fd_read and fd_seek.
Result<WasiErrno> wasi_fd_pread(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdRead | wasi_rights::kFdSeek, fd);
  if (e != wasi_errno::kSuccess) return e;
  const std::uint64_t offset = call.u64(3);
  if (offset > INT64_MAX) return wasi_errno::kInval;
  return transfer(call, *fd, call.u32(1), call.u32(2), call.u32(4), [offset](int h, const iovec* v, int n) {
    return ::preadv(h, v, n, static_cast<off_t>(offset));
  });
}

// fd_pwrite(fd, iovs, iovs_len, offset: u64, nwritten: ptr<u32>) -> errno — needs fd_write and fd_seek.
Result<WasiErrno> wasi_fd_pwrite(WasiCall& call) {
  WasiFd* fd = nullptr;
  const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdWrite | wasi_rights::kFdSeek, fd);
  if (e != wasi_errno::kSuccess) return e;
  const std::uint64_t offset = call.u64(3);
  if (offset > INT64_MAX) return wasi_errno::kInval;
  return transfer(call, *fd, call.u32(1), call.u32(2), call.u32(4), [offset](int h, const iovec* v, int n) {
    return ::pwritev(h, v, n, static_cast<off_t>(offset));
  });
}

// fd_seek(fd, offset: s64, whence: u8, newoffset: ptr<u64>) -> errno — needs fd_seek (fd_tell for a plain
// "where am I"). stdio is not seekable (ESPIPE).
Result<WasiErrno> wasi_fd_seek(WasiCall& call) {
  const auto offset = static_cast<std::int64_t>(call.u64(1));
  const std::uint32_t whence = call.u32(2);
  const bool tell_only = offset == 0 && whence == wasi_flags::kWhenceCur;
  WasiFd* fd = call.state.get(call.u32(0));
  if (fd == nullptr) return wasi_errno::kBadf;
  if (fd->kind != WasiFdKind::Host) return wasi_errno::kSpipe;
  const WasiErrno e = call.lookup(call.u32(0), tell_only ? wasi_rights::kFdTell : wasi_rights::kFdSeek, fd);
  if (e != wasi_errno::kSuccess) return e;
  int host_whence;
  switch (whence) {
    case wasi_flags::kWhenceSet:
      host_whence = SEEK_SET;
      break;
    case wasi_flags::kWhenceCur:
      host_whence = SEEK_CUR;
      break;
    case wasi_flags::kWhenceEnd:
      host_whence = SEEK_END;
      break;
    default:
      return wasi_errno::kInval;
  }
  const off_t at = ::lseek(fd->host.get(), offset, host_whence);
  if (at < 0) return wasi_errno_from_host(errno);
  return call.store<std::uint64_t>(call.u32(3), static_cast<std::uint64_t>(at));
}

// fd_tell(fd, offset: ptr<u64>) -> errno — needs fd_tell.
Result<WasiErrno> wasi_fd_tell(WasiCall& call) {
  WasiFd* fd = call.state.get(call.u32(0));
  if (fd == nullptr) return wasi_errno::kBadf;
  if (fd->kind != WasiFdKind::Host) return wasi_errno::kSpipe;
  if (const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdTell, fd); e != wasi_errno::kSuccess)
    return e;
  const off_t at = ::lseek(fd->host.get(), 0, SEEK_CUR);
  if (at < 0) return wasi_errno_from_host(errno);
  return call.store<std::uint64_t>(call.u32(1), static_cast<std::uint64_t>(at));
}

// fd_readdir(fd, buf: ptr, buf_len: u32, cookie: u64, bufused: ptr<u32>) -> errno — needs fd_readdir.
//   Entries (dirent + name) from position `cookie` (0 = start; each entry's d_next is the kernel's offset of
//   the next one), packed until buf_len: the last one may be cut short, as preview1 specifies; the guest's
//   libc then asks again with a larger buffer.
Result<WasiErrno> wasi_fd_readdir(WasiCall& call) {
  WasiFd* fd = nullptr;
  if (const WasiErrno e = call.lookup(call.u32(0), wasi_rights::kFdReaddir, fd); e != wasi_errno::kSuccess)
    return e;
  if (fd->kind != WasiFdKind::Host || fd->type != WasiFiletype::Directory) return wasi_errno::kNotdir;
  const std::uint32_t buf = call.u32(1), buf_len = call.u32(2), bufused_ptr = call.u32(4);
  const std::uint64_t cookie = call.u64(3);
  auto out = call.memory.slice(buf, buf_len);
  if (!out) return wasi_errno::kFault;
  if (cookie > INT64_MAX || ::lseek(fd->host.get(), static_cast<off_t>(cookie), SEEK_SET) < 0) {
    return wasi_errno::kInval;
  }

  std::uint32_t used = 0;
  alignas(8) char host_buf[16 * 1024];
  while (used < buf_len) {
    const long got = ::syscall(SYS_getdents64, fd->host.get(), host_buf, sizeof host_buf);
    if (got < 0) return wasi_errno_from_host(errno);
    if (got == 0) break;
    for (long at = 0; at < got && used < buf_len;) {
      // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name (NUL-terminated).
      std::uint64_t ino;
      std::int64_t next;
      std::uint16_t reclen;
      std::uint8_t dtype;
      std::memcpy(&ino, host_buf + at, 8);
      std::memcpy(&next, host_buf + at + 8, 8);
      std::memcpy(&reclen, host_buf + at + 16, 2);
      std::memcpy(&dtype, host_buf + at + 18, 1);
      const char* name = host_buf + at + 19;
      const std::size_t namelen = ::strnlen(name, static_cast<std::size_t>(reclen) - 19);
      at += reclen;

      std::uint8_t header[wasi_layout::kDirentSize] = {};
      const engine::MemoryView h{header, sizeof header};
      h.store<std::uint64_t>(0, static_cast<std::uint64_t>(next));
      h.store<std::uint64_t>(8, ino);
      h.store<std::uint32_t>(16, static_cast<std::uint32_t>(namelen));
      h.store<std::uint8_t>(20, static_cast<std::uint8_t>(wasi_filetype(DTTOIF(dtype))));
      const std::size_t take_header = std::min<std::size_t>(sizeof header, buf_len - used);
      std::memcpy(out->data() + used, header, take_header);
      used += static_cast<std::uint32_t>(take_header);
      const std::size_t take_name = std::min<std::size_t>(namelen, buf_len - used);
      std::memcpy(out->data() + used, name, take_name);
      used += static_cast<std::uint32_t>(take_name);
    }
  }
  return call.store<std::uint32_t>(bufused_ptr, used);
}

}  // namespace wasmgate::abi
