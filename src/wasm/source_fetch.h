// Fetching the bytes of a wasm source (spec otoroshi-wasm.md §2): Base64, File, Http, Wasmo. One fetch, no
// caching (source_cache.h caches). Local sources name a WasmPlugin entity and are resolved by the plugin
// layer before anything is fetched, so they are refused here.
//
// wasmgate extension: `opts.sha256` (64 hex digits, any case) pins the expected SHA-256 of the bytes, for
// every kind; bytes that do not match are refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/hex.h"  // sha256_hex, the digest fetched sources carry
#include "model/wasm_config.h"
#include "wasm/abi/extism/http_fetcher.h"
#include "wasm/wasmo_settings.h"

namespace wasmgate::wasm {

using SourceBytes = std::vector<std::uint8_t>;
using SourceBytesPtr = std::shared_ptr<const SourceBytes>;

// Otoroshi's defaults: Http opts.timeout 10 s, Wasmo 5 s (wasm4s WasmSourceKind).
inline constexpr std::chrono::milliseconds kDefaultHttpSourceTimeout{10000};
inline constexpr std::chrono::milliseconds kDefaultWasmoSourceTimeout{5000};
// A wasm module larger than this is refused while downloading (the largest real plugins are tens of MiB).
inline constexpr std::uint64_t kMaxSourceBytes = 256ull << 20;
// Redirects followed per fetch when followRedirect is on (curl's and browsers' limits are larger; a source
// needing more than a CDN hop or two is misconfigured).
inline constexpr int kMaxSourceRedirects = 5;

struct SourceFetchContext {
  std::optional<WasmoSettings> wasmo;      // nullopt: Wasmo sources fail with "missing wasmo settings"
  std::shared_ptr<abi::HttpFetcher> http;  // null: default_http_client()
  std::chrono::milliseconds http_timeout = kDefaultHttpSourceTimeout;    // when opts.timeout is absent
  std::chrono::milliseconds wasmo_timeout = kDefaultWasmoSourceTimeout;  // idem, Wasmo
  std::uint64_t max_bytes = kMaxSourceBytes;
};

struct FetchedSource {
  SourceBytesPtr bytes;  // never null on success
  std::string sha256;    // lower-case hex of bytes
  std::chrono::system_clock::time_point fetched_at;
};

// Fetches `source` once. Errc::PluginLoad with a message that names the source and the reason, e.g.
//   "wasm source Http http://h/x.wasm: bad response 404 (body: nope)"
//   "wasm source Http http://h/x.wasm: timeout after 10000 ms"
//   "wasm source Wasmo my-plugin: missing wasmo settings (global config wasmoSettings)"
//   "wasm source File ./x.wasm: sha256 mismatch: expected 12ab..., got 34cd..."
// Blocks for Http and Wasmo (bounded by the source's timeout, redirects included). Thread-safe.
Result<FetchedSource> fetch_source(const model::WasmSource& source, const SourceFetchContext& context);

// "wasm source <Kind> <path>" (a Base64 path is shortened): the prefix of every fetch error.
std::string describe_source(const model::WasmSource& source);

// opts.sha256 lower-cased: nullopt when absent; BadRequest when not 64 hex digits.
Result<std::optional<std::string>> pinned_sha256(const model::WasmSource& source);

}  // namespace wasmgate::wasm
