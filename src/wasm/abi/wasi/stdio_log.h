// A guest's stdout or stderr turned into gateway log lines: bytes are cut at '\n' and each line is logged
// tagged with the plugin ("[plugin x stdout] …"). A line longer than kMaxStdioLineBytes is logged in pieces
// of that size, so a guest that never writes a newline holds at most that much host memory.
#pragma once

#include <spdlog/common.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace wasmgate::abi {

inline constexpr std::size_t kMaxStdioLineBytes = 8 * 1024;

class WasiStdioLog {
 public:
  // `tag` prefixes every line ("plugin x stdout"); `level` is the spdlog level lines are logged at.
  WasiStdioLog(std::string tag, spdlog::level::level_enum level) : tag_(std::move(tag)), level_(level) {}
  ~WasiStdioLog() { flush(); }
  WasiStdioLog(const WasiStdioLog&) = delete;
  WasiStdioLog& operator=(const WasiStdioLog&) = delete;

  // Appends guest bytes; logs every completed line (a trailing '\r' is dropped).
  void write(std::string_view bytes);
  // Logs the pending partial line, if any (at proc_exit and when the VM goes away).
  void flush();

  spdlog::level::level_enum level() const { return level_; }

 private:
  void emit(std::string_view line);

  std::string tag_;
  spdlog::level::level_enum level_;
  std::string pending_;  // bytes after the last '\n', < kMaxStdioLineBytes
};

}  // namespace wasmgate::abi
