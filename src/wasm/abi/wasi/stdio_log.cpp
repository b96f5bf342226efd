#include "wasm/abi/wasi/stdio_log.h"

#include <spdlog/spdlog.h>

namespace wasmgate::abi {

void WasiStdioLog::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const std::string_view chunk = bytes.substr(0, newline);
    const std::size_t room = kMaxStdioLineBytes - pending_.size();
    if (chunk.size() > room || (chunk.size() == room && newline == std::string_view::npos)) {
      // No newline within the cap: log what fits as one line and keep going.
      pending_.append(chunk.substr(0, room));
      emit(pending_);
      pending_.clear();
      bytes.remove_prefix(room);
      continue;
    }
    pending_.append(chunk);
    if (newline == std::string_view::npos) return;
    emit(pending_);
    pending_.clear();
    bytes.remove_prefix(newline + 1);
  }
}

void WasiStdioLog::flush() {
  if (pending_.empty()) return;
  emit(pending_);
  pending_.clear();
}

void WasiStdioLog::emit(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  spdlog::log(level_, "[{}] {}", tag_, line);
}

}  // namespace wasmgate::abi
