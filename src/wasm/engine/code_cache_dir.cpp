#include "wasm/engine/code_cache_dir.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

namespace wasmgate::engine {

namespace fs = std::filesystem;

namespace {
std::string safe_tag(std::string tag) {
  for (char& c : tag) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  return tag;
}
}  // namespace

CodeCacheDir::CodeCacheDir(std::string dir, std::string engine_tag)
    : dir_(std::move(dir)), tag_(safe_tag(std::move(engine_tag))) {}

Result<void> CodeCacheDir::prepare() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return make_error(Errc::Internal, fmt::format("code cache dir {}: {}", dir_, ec.message()));
  return {};
}

std::string CodeCacheDir::path_for(const std::string& sha256) const {
  return (fs::path(dir_) / (sha256 + "." + tag_ + ".code")).string();
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

std::optional<MappedFile> CodeCacheDir::load(const std::string& sha256) const {
  const int fd = ::open(path_for(sha256).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<MappedFile> out;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    const auto size = static_cast<std::size_t>(st.st_size);
    void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (data != MAP_FAILED) out.emplace(data, size);
  }
  ::close(fd);
  return out;
}

Result<void> CodeCacheDir::store(const std::string& sha256, std::span<const std::uint8_t> bytes) const {
  static std::atomic<std::uint64_t> counter{0};
  const std::string final_path = path_for(sha256);
  const std::string temp_path = fmt::format("{}.tmp.{}.{}", final_path, ::getpid(), counter.fetch_add(1));
  {
    std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::error_code ignored;
      fs::remove(temp_path, ignored);
      return make_error(Errc::Internal, fmt::format("code cache: cannot write {}", temp_path));
    }
  }
  std::error_code ec;
  fs::rename(temp_path, final_path, ec);
  if (ec) {
    fs::remove(temp_path, ec);
    return make_error(Errc::Internal, fmt::format("code cache: cannot rename into {}", final_path));
  }
  return {};
}

void CodeCacheDir::remove(const std::string& sha256) const {
  std::error_code ignored;
  fs::remove(path_for(sha256), ignored);
}

}  // namespace wasmgate::engine
