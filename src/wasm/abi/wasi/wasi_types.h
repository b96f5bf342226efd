// WASI preview1 (witx `wasi_snapshot_preview1`) constants and struct layouts as the guest sees them: errno
// numbers, rights, flags, file types, and the byte offsets of the structs host functions read or write in
// guest memory (wasm32: pointers and sizes are u32, little-endian).
#pragma once

#include <cstdint>

namespace wasmgate::abi {

using WasiErrno = std::uint16_t;
using WasiRights = std::uint64_t;

// errno (witx numbering, not Linux's).
namespace wasi_errno {
inline constexpr WasiErrno kSuccess = 0;
inline constexpr WasiErrno k2Big = 1;
inline constexpr WasiErrno kAcces = 2;
inline constexpr WasiErrno kAgain = 6;
inline constexpr WasiErrno kBadf = 8;
inline constexpr WasiErrno kBusy = 10;
inline constexpr WasiErrno kExist = 20;
inline constexpr WasiErrno kFault = 21;
inline constexpr WasiErrno kFbig = 22;
inline constexpr WasiErrno kIlseq = 25;
inline constexpr WasiErrno kIntr = 27;
inline constexpr WasiErrno kInval = 28;
inline constexpr WasiErrno kIo = 29;
inline constexpr WasiErrno kIsdir = 31;
inline constexpr WasiErrno kLoop = 32;
inline constexpr WasiErrno kMfile = 33;
inline constexpr WasiErrno kMlink = 34;
inline constexpr WasiErrno kNametoolong = 37;
inline constexpr WasiErrno kNfile = 41;
inline constexpr WasiErrno kNoent = 44;
inline constexpr WasiErrno kNomem = 48;
inline constexpr WasiErrno kNospc = 51;
inline constexpr WasiErrno kNosys = 52;
inline constexpr WasiErrno kNotdir = 54;
inline constexpr WasiErrno kNotempty = 55;
inline constexpr WasiErrno kNotsock = 57;
inline constexpr WasiErrno kNotsup = 58;
inline constexpr WasiErrno kNxio = 60;
inline constexpr WasiErrno kOverflow = 61;
inline constexpr WasiErrno kPerm = 63;
inline constexpr WasiErrno kPipe = 64;
inline constexpr WasiErrno kRange = 68;
inline constexpr WasiErrno kRofs = 69;
inline constexpr WasiErrno kSpipe = 70;
inline constexpr WasiErrno kTxtbsy = 74;
inline constexpr WasiErrno kXdev = 75;
inline constexpr WasiErrno kNotcapable = 76;
}  // namespace wasi_errno

// rights (one bit per operation an fd allows).
namespace wasi_rights {
inline constexpr WasiRights kFdDatasync = 1ull << 0;
inline constexpr WasiRights kFdRead = 1ull << 1;
inline constexpr WasiRights kFdSeek = 1ull << 2;
inline constexpr WasiRights kFdFdstatSetFlags = 1ull << 3;
inline constexpr WasiRights kFdSync = 1ull << 4;
inline constexpr WasiRights kFdTell = 1ull << 5;
inline constexpr WasiRights kFdWrite = 1ull << 6;
inline constexpr WasiRights kFdAdvise = 1ull << 7;
inline constexpr WasiRights kFdAllocate = 1ull << 8;
inline constexpr WasiRights kPathCreateDirectory = 1ull << 9;
inline constexpr WasiRights kPathCreateFile = 1ull << 10;
inline constexpr WasiRights kPathLinkSource = 1ull << 11;
inline constexpr WasiRights kPathLinkTarget = 1ull << 12;
inline constexpr WasiRights kPathOpen = 1ull << 13;
inline constexpr WasiRights kFdReaddir = 1ull << 14;
inline constexpr WasiRights kPathReadlink = 1ull << 15;
inline constexpr WasiRights kPathRenameSource = 1ull << 16;
inline constexpr WasiRights kPathRenameTarget = 1ull << 17;
inline constexpr WasiRights kPathFilestatGet = 1ull << 18;
inline constexpr WasiRights kPathFilestatSetSize = 1ull << 19;
inline constexpr WasiRights kPathFilestatSetTimes = 1ull << 20;
inline constexpr WasiRights kFdFilestatGet = 1ull << 21;
inline constexpr WasiRights kFdFilestatSetSize = 1ull << 22;
inline constexpr WasiRights kFdFilestatSetTimes = 1ull << 23;
inline constexpr WasiRights kPathSymlink = 1ull << 24;
inline constexpr WasiRights kPathRemoveDirectory = 1ull << 25;
inline constexpr WasiRights kPathUnlinkFile = 1ull << 26;
inline constexpr WasiRights kPollFdReadwrite = 1ull << 27;

// What a read-only file or directory may do: read, seek, stat, list, open beneath, follow links.
inline constexpr WasiRights kReadOnlyFile =
    kFdRead | kFdSeek | kFdTell | kFdAdvise | kFdFilestatGet | kFdFdstatSetFlags | kPollFdReadwrite;
inline constexpr WasiRights kReadOnlyDirectory =
    kPathOpen | kFdReaddir | kPathReadlink | kPathFilestatGet | kFdFilestatGet | kFdFdstatSetFlags;
// Everything preview1 defines for files and directories (sockets excluded: there are none).
inline constexpr WasiRights kAllFileAndDirectory = (1ull << 28) - 1;
// Rights that change what is stored: never granted beneath a read-only preopen.
inline constexpr WasiRights kMutating =
    kFdDatasync | kFdSync | kFdWrite | kFdAllocate | kPathCreateDirectory | kPathCreateFile |
    kPathLinkSource | kPathLinkTarget | kPathRenameSource | kPathRenameTarget | kPathFilestatSetSize |
    kPathFilestatSetTimes | kFdFilestatSetSize | kFdFilestatSetTimes | kPathSymlink | kPathRemoveDirectory |
    kPathUnlinkFile;
}  // namespace wasi_rights

enum class WasiFiletype : std::uint8_t {
  Unknown = 0,
  BlockDevice = 1,
  CharacterDevice = 2,
  Directory = 3,
  RegularFile = 4,
  SocketDgram = 5,
  SocketStream = 6,
  SymbolicLink = 7,
};

namespace wasi_flags {
// fdflags
inline constexpr std::uint16_t kAppend = 1 << 0;
inline constexpr std::uint16_t kDsync = 1 << 1;
inline constexpr std::uint16_t kNonblock = 1 << 2;
inline constexpr std::uint16_t kRsync = 1 << 3;
inline constexpr std::uint16_t kSync = 1 << 4;
// oflags
inline constexpr std::uint16_t kCreat = 1 << 0;
inline constexpr std::uint16_t kDirectory = 1 << 1;
inline constexpr std::uint16_t kExcl = 1 << 2;
inline constexpr std::uint16_t kTrunc = 1 << 3;
// lookupflags
inline constexpr std::uint32_t kSymlinkFollow = 1 << 0;
// fstflags
inline constexpr std::uint16_t kAtim = 1 << 0;
inline constexpr std::uint16_t kAtimNow = 1 << 1;
inline constexpr std::uint16_t kMtim = 1 << 2;
inline constexpr std::uint16_t kMtimNow = 1 << 3;
// whence
inline constexpr std::uint8_t kWhenceSet = 0;
inline constexpr std::uint8_t kWhenceCur = 1;
inline constexpr std::uint8_t kWhenceEnd = 2;
// clockid
inline constexpr std::uint32_t kClockRealtime = 0;
inline constexpr std::uint32_t kClockMonotonic = 1;
inline constexpr std::uint32_t kClockProcessCputime = 2;
inline constexpr std::uint32_t kClockThreadCputime = 3;
// eventtype, subclockflags
inline constexpr std::uint8_t kEventClock = 0;
inline constexpr std::uint8_t kEventFdRead = 1;
inline constexpr std::uint8_t kEventFdWrite = 2;
inline constexpr std::uint16_t kSubscriptionClockAbstime = 1 << 0;
}  // namespace wasi_flags

// Struct sizes and field offsets (witx-calculated, as wasi-libc's api.h asserts them).
namespace wasi_layout {
// iovec / ciovec: buf u32 @0, buf_len u32 @4.
inline constexpr std::uint32_t kIovecSize = 8;
// fdstat: filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.
inline constexpr std::uint32_t kFdstatSize = 24;
// filestat: dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56.
inline constexpr std::uint32_t kFilestatSize = 64;
// dirent (followed by the name, no NUL): d_next @0, d_ino @8, d_namlen u32 @16, d_type u8 @20.
inline constexpr std::uint32_t kDirentSize = 24;
// prestat: tag u8 @0 (0 = dir), pr_name_len u32 @4.
inline constexpr std::uint32_t kPrestatSize = 8;
// subscription: userdata @0, tag u8 @8, then clock {id u32 @16, timeout @24, precision @32, flags u16 @40}
// or fd_readwrite {fd u32 @16}.
inline constexpr std::uint32_t kSubscriptionSize = 48;
// event: userdata @0, error u16 @8, type u8 @10, fd_readwrite {nbytes @16, flags u16 @24}.
inline constexpr std::uint32_t kEventSize = 32;
}  // namespace wasi_layout

}  // namespace wasmgate::abi
