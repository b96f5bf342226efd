// Every limit of the proxy's network side, in one place, each with its unit and the reason for its value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace wasmgate::proxy {

// Request line + headers of one client request. Beyond: 431. nginx accepts 4 x 8 KiB "large header buffers";
// 32 KiB leaves room for big cookies and JWTs while bounding what one connection can pin.
inline constexpr std::size_t kMaxRequestHeaderBytes = 32 * 1024;
// Status line + headers of one upstream response. Beyond: 502.
inline constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;
// One relay buffer: the most body bytes held per direction per in-flight request. Streaming a 1 GiB body costs
// this much memory, not 1 GiB. Buffers are pooled per I/O thread and held only while a body moves.
inline constexpr std::size_t kRelayChunkBytes = 64 * 1024;
// Free relay buffers kept per I/O thread for reuse (beyond: freed).
inline constexpr std::size_t kMaxPooledRelayChunks = 64;
// Socket reads of the client connection while waiting for a request.
inline constexpr std::size_t kClientReadBytes = 16 * 1024;
// The client connection's read buffer never grows beyond this (a full header plus one read): what an idle
// keep-alive connection can pin.
inline constexpr std::size_t kMaxClientBufferBytes = kMaxRequestHeaderBytes + kClientReadBytes;

// A keep-alive client connection may sit idle this long between requests (nginx: keepalive_timeout 75 s).
inline constexpr std::chrono::seconds kClientIdleTimeout{60};
// Once the first byte of a request arrived, its headers must be complete within this (slowloris bound;
// nginx: client_header_timeout 60 s).
inline constexpr std::chrono::seconds kHeaderReadTimeout{15};
// Each read or write of a body piece, and each write of a response head, on the client side (a stalled reader
// or writer is dropped after this much silence, not after a total duration: large bodies are fine).
inline constexpr std::chrono::seconds kClientIoTimeout{60};
// Error answers read and discard at most this much of a request body to keep the connection; beyond, they
// answer and close.
inline constexpr std::size_t kMaxDrainBodyBytes = 1024 * 1024;
// Closing while the client may still be sending: read and discard for this long so that our answer is not
// destroyed by a TCP reset (nginx: lingering_time / lingering_timeout).
inline constexpr std::chrono::milliseconds kLingerTimeout{1000};
inline constexpr std::size_t kMaxLingerBytes = 256 * 1024;

// Idle upstream keep-alive connections: at most this many per target per I/O thread, each kept at most
// min(route client.idle_timeout, kMaxUpstreamIdle). Backends commonly close idle connections after 5–75 s; an
// expired one costs a reconnect, a stale one a retry (bodyless requests) or a liveness probe (with a body).
inline constexpr std::size_t kMaxIdleUpstreamPerTarget = 256;
inline constexpr std::chrono::seconds kMaxUpstreamIdle{30};
inline constexpr std::chrono::seconds kUpstreamPoolSweepInterval{5};
// A target whose connect failed is skipped by the load balancer for this long (per I/O thread), so that
// backups take over and a dead primary does not cost a connect timeout on every request.
inline constexpr std::chrono::seconds kTargetDownCooldown{2};
// Connect attempts for one request go to at most this many targets, whatever client.retries says.
inline constexpr int kMaxConnectAttempts = 4;

// Granularity of every network timeout: each I/O thread checks its deadlines this often (one timer per thread
// instead of one per socket operation). Timeouts fire up to this much late.
inline constexpr std::chrono::milliseconds kDeadlineTick{50};

// Graceful stop: in-flight requests get this long to finish, then the I/O threads are stopped.
inline constexpr std::chrono::seconds kShutdownGrace{10};
// How often the store's version is polled so that writes by another process show up.
inline constexpr std::chrono::milliseconds kStateRefreshInterval{1000};
// After an accept error such as EMFILE, wait this long before accepting again instead of spinning.
inline constexpr std::chrono::milliseconds kAcceptErrorBackoff{100};

static_assert(kRelayChunkBytes >= 4096, "relay chunks below a page make streaming syscall-bound");
static_assert(kMaxDrainBodyBytes >= kRelayChunkBytes);

// Bodies wasm plugins see (transformers, wasm backends, sinks, request handlers) are buffered up to this size:
// a larger request gets 413, a larger backend response 502.
inline constexpr std::size_t kMaxPluginBodyBytes = 4u << 20;

// A timeout from the route's config in ms (Otoroshi's *_timeout_ms fields), or `fallback` when unset (≤ 0).
inline std::chrono::milliseconds positive_ms(std::int64_t ms, std::chrono::milliseconds fallback) {
  return ms > 0 ? std::chrono::milliseconds(ms) : fallback;
}

}  // namespace wasmgate::proxy
