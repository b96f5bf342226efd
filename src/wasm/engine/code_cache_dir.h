// The on-disk code cache: one file per (module sha256, engine build), written atomically (temp file + rename)
// so a crash or a concurrent writer never leaves a torn file behind. Engine-neutral: it stores opaque bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace wasmgate::engine {

// A cache file mapped read-only; unmapped on destruction.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(void* data, std::size_t size) : data_(data), size_(size) {}
  MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) { other.data_ = nullptr; }
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile();
  std::span<const std::uint8_t> bytes() const { return {static_cast<const std::uint8_t*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

class CodeCacheDir {
 public:
  // `engine_tag` names the engine build ("v8-10.2.154.26-node.37"); files of other builds are never read.
  CodeCacheDir(std::string dir, std::string engine_tag);

  // Creates the directory if needed. Errc::Internal naming the path and the OS reason.
  Result<void> prepare() const;
  std::string path_for(const std::string& sha256) const;
  // The cached bytes, mapped (a 2 MB file read into a fresh buffer cost 12 ms here, mostly page faults), or
  // nullopt when absent, empty or unreadable.
  std::optional<MappedFile> load(const std::string& sha256) const;
  Result<void> store(const std::string& sha256, std::span<const std::uint8_t> bytes) const;
  void remove(const std::string& sha256) const;

 private:
  std::string dir_;
  std::string tag_;
};

}  // namespace wasmgate::engine
