#include "wasm/abi/wasi/wasi_call.h"

#include <climits>

namespace wasmgate::abi {

std::optional<std::string_view> WasiCall::string(std::uint32_t ptr, std::uint32_t len) const {
  auto bytes = memory.slice(ptr, len);
  if (!bytes) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

WasiErrno WasiCall::lookup(std::uint32_t fd, WasiRights needed, WasiFd*& out) {
  out = state.get(fd);
  if (out == nullptr) return wasi_errno::kBadf;
  if ((out->base & needed) != needed) return wasi_errno::kNotcapable;
  return wasi_errno::kSuccess;
}

WasiErrno guest_iovecs(const engine::MemoryView& memory, std::uint32_t iovs, std::uint32_t count,
                       std::vector<iovec>& out) {
  if (count > IOV_MAX) return wasi_errno::kInval;
  out.clear();
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t at = std::uint64_t{iovs} + std::uint64_t{i} * wasi_layout::kIovecSize;
    const auto buf = memory.load<std::uint32_t>(at);
    const auto len = memory.load<std::uint32_t>(at + 4);
    if (!buf || !len) return wasi_errno::kFault;
    auto bytes = memory.slice(*buf, *len);
    if (!bytes) return wasi_errno::kFault;
    out.push_back(iovec{bytes->data(), bytes->size()});
  }
  return wasi_errno::kSuccess;
}

WasiFiletype wasi_filetype(mode_t mode) {
  if (S_ISREG(mode)) return WasiFiletype::RegularFile;
  if (S_ISDIR(mode)) return WasiFiletype::Directory;
  if (S_ISLNK(mode)) return WasiFiletype::SymbolicLink;
  if (S_ISCHR(mode)) return WasiFiletype::CharacterDevice;
  if (S_ISBLK(mode)) return WasiFiletype::BlockDevice;
  if (S_ISSOCK(mode)) return WasiFiletype::SocketStream;
  return WasiFiletype::Unknown;
}

std::uint64_t wasi_timestamp(const timespec& time) {
  if (time.tv_sec < 0) return 0;
  return static_cast<std::uint64_t>(time.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(time.tv_nsec);
}

WasiErrno store_filestat(const WasiCall& call, std::uint32_t ptr, const struct stat& st) {
  auto out = call.memory.slice(ptr, wasi_layout::kFilestatSize);
  if (!out) return wasi_errno::kFault;
  const engine::MemoryView m{out->data(), out->size()};
  m.store<std::uint64_t>(0, st.st_dev);
  m.store<std::uint64_t>(8, st.st_ino);
  m.store<std::uint64_t>(16, 0);  // filetype byte and its padding
  m.store<std::uint8_t>(16, static_cast<std::uint8_t>(wasi_filetype(st.st_mode)));
  m.store<std::uint64_t>(24, st.st_nlink);
  m.store<std::uint64_t>(32, static_cast<std::uint64_t>(st.st_size));
  m.store<std::uint64_t>(40, wasi_timestamp(st.st_atim));
  m.store<std::uint64_t>(48, wasi_timestamp(st.st_mtim));
  m.store<std::uint64_t>(56, wasi_timestamp(st.st_ctim));
  return wasi_errno::kSuccess;
}

WasiErrno wasi_times(std::uint64_t atim, std::uint64_t mtim, std::uint16_t fst_flags, timespec out[2]) {
  using namespace wasi_flags;
  if (((fst_flags & kAtim) && (fst_flags & kAtimNow)) || ((fst_flags & kMtim) && (fst_flags & kMtimNow))) {
    return wasi_errno::kInval;
  }
  auto one = [](bool set, bool now, std::uint64_t ns) {
    if (now) return timespec{0, UTIME_NOW};
    if (!set) return timespec{0, UTIME_OMIT};
    return timespec{static_cast<time_t>(ns / 1'000'000'000u), static_cast<long>(ns % 1'000'000'000u)};
  };
  out[0] = one(fst_flags & kAtim, fst_flags & kAtimNow, atim);
  out[1] = one(fst_flags & kMtim, fst_flags & kMtimNow, mtim);
  return wasi_errno::kSuccess;
}

}  // namespace wasmgate::abi
