#include "wasm/call_tool.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "wasm/abi/wasi/allowed_paths.h"
#include "wasm/engine/v8/v8_engine.h"
#include "wasm/vm.h"

namespace wasmgate::wasm {
namespace {

Result<std::string> read_file(const std::string& path, std::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::BadRequest, fmt::format("cannot read {} {}", flag, path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// "k=v" or "host:guest" → pair, split at the first separator.
Result<std::pair<std::string, std::string>> split_pair(const std::string& text, char separator,
                                                       std::string_view flag, std::string_view shape) {
  const auto at = text.find(separator);
  if (at == std::string::npos || at == 0) {
    return make_error(Errc::BadRequest, fmt::format("{} expects {}, got \"{}\"", flag, shape, text));
  }
  return std::make_pair(text.substr(0, at), text.substr(at + 1));
}

Result<VmSpec> build_spec(const CallToolOptions& options) {
  VmSpec spec;
  auto wasm = read_file(options.wasm_path, "--wasm");
  if (!wasm) return wasm.take_error();
  spec.wasm.assign(wasm->begin(), wasm->end());
  spec.plugin_id = std::filesystem::path(options.wasm_path).stem().string();  // "plugin count_vowels: …"
  spec.memory_pages = options.memory_pages;
  spec.wasi = options.wasi;
  spec.allowed_hosts = options.allowed_hosts;
  for (const auto& entry : options.config) {
    auto kv = split_pair(entry, '=', "--config", "key=value");
    if (!kv) return kv.take_error();
    spec.config[kv->first] = kv->second;
  }
  for (const auto& entry : options.allowed_paths) {
    // [rw:|ro:]HOST:GUEST — the access prefix stays on the host path, as in WasmConfig.allowedPaths.
    std::string_view prefix;
    for (std::string_view p : {abi::kAllowedPathReadWritePrefix, abi::kAllowedPathReadOnlyPrefix}) {
      if (std::string_view(entry).starts_with(p)) prefix = p;
    }
    auto paths = split_pair(entry.substr(prefix.size()), ':', "--allow-path", "[rw:]HOST:GUEST");
    if (!paths) return paths.take_error();
    paths->first.insert(0, prefix);
    spec.allowed_paths.push_back(std::move(*paths));
  }
  const auto level = abi::parse_plugin_log_level(options.log_level);
  if (!level) {
    return make_error(
        Errc::BadRequest,
        fmt::format("--log-level expects trace|debug|info|warn|error|off, got \"{}\"", options.log_level));
  }
  spec.log_level = *level;
  if (options.timeout_ms <= 0) return make_error(Errc::BadRequest, "--timeout-ms must be positive");
  spec.call_timeout = std::chrono::milliseconds(options.timeout_ms);
  return spec;
}

Result<std::string> read_input(const CallToolOptions& options) {
  if (options.input && options.input_file) {
    return make_error(Errc::BadRequest, "give --input or --input-file, not both");
  }
  if (options.input_file) return read_file(*options.input_file, "--input-file");
  return options.input.value_or("");
}

}  // namespace

int run_call_tool(const CallToolOptions& options, std::ostream& out, std::ostream& err) {
  auto fail = [&](const Error& error) {
    err << "error: " << error.message << "\n";
    return 1;
  };
  if (options.repeat < 1) return fail(make_error(Errc::BadRequest, "--repeat must be at least 1"));
  auto input = read_input(options);
  if (!input) return fail(input.error());
  auto spec = build_spec(options);
  if (!spec) return fail(spec.error());

  auto engine = engine::create_v8_engine();
  auto vm = Vm::create(*engine, std::move(*spec));
  if (!vm) return fail(vm.error());
  int status = 0;
  {
    auto pin = (*vm)->pin();
    for (int i = 0; i < options.repeat; ++i) {
      auto output = (*vm)->call(options.function, *input);
      if (!output) {
        status = fail(output.error());
        break;
      }
      out.write(output->data(), static_cast<std::streamsize>(output->size()));
      if (options.repeat > 1) out << '\n';
    }
  }
  out.flush();
  vm->reset();  // before the engine
  return status;
}

}  // namespace wasmgate::wasm
