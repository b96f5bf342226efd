// One I/O thread: its io_context, its acceptors (SO_REUSEPORT siblings of the other threads'), its sessions, and
// the per-thread state the hot path reads without locks (cached snapshot, round-robin counters, upstream pool,
// relay buffers). Everything here runs on the worker's own thread except request_stop().
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/gateway.h"
#include "proxy/snapshot.h"

namespace wasmgate::plugins {
class PluginRuntime;
}

namespace wasmgate::proxy {

class UpstreamPool;
class Worker;

// steady_clock's time (CLOCK_MONOTONIC) at the kernel tick's resolution, a few ms behind at most, for a
// fraction of the cost of a precise read. For the hot path's deadlines, swept every kDeadlineTick (50 ms),
// and the upstream pool's idle and down-target times (seconds): a request reads the clock several times.
inline std::chrono::steady_clock::time_point coarse_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(std::chrono::seconds(ts.tv_sec) +
                                               std::chrono::nanoseconds(ts.tv_nsec));
}

// A deadline for the pending operations of one socket. Setting it is a store (no timer per operation): the
// worker sweeps all deadlines every kDeadlineTick and cancels the socket of an expired one, whose operation then
// ends with operation_aborted while expired() tells a timeout apart. Worker thread only; the socket must outlive
// the Deadline.
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  Deadline(Worker& worker, boost::asio::ip::tcp::socket& socket);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void expires_after(Clock::duration d) {
    at_ = coarse_now() + d;
    expired_ = false;
  }
  void expires_never() {
    at_ = Clock::time_point::max();
    expired_ = false;
  }
  // The last deadline passed (and the socket's operations were cancelled).
  bool expired() const { return expired_; }

 private:
  friend class Worker;
  Worker& worker_;
  boost::asio::ip::tcp::socket& socket_;
  Clock::time_point at_ = Clock::time_point::max();
  bool expired_ = false;
  std::list<Deadline*>::iterator it_;
};

enum class ListenerKind { Proxy, Admin };

// What all workers share; read-only once run() started (except `stopping`).
struct GatewayShared {
  GatewayOptions options;
  std::shared_ptr<StateHolder> state;
  AdminHandler admin;
  boost::asio::any_io_executor admin_executor;  // admin handlers run there (one thread: they block on the store)
  std::shared_ptr<plugins::PluginRuntime> plugins;  // runs wasm plugins; null: routes with plugins answer 500
  std::atomic<bool> stopping{false};
};

// A live client connection, as the worker sees it for graceful stop.
struct SessionSlot {
  boost::asio::ip::tcp::socket* socket;
  bool idle = false;
};

class Worker {
 public:
  using Clock = std::chrono::steady_clock;

  Worker(std::size_t index, GatewayShared& shared);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  boost::asio::io_context& io() { return *ioc_; }
  GatewayShared& shared() { return shared_; }
  std::size_t index() const { return index_; }
  bool stopping() const { return stopping_; }

  // ---- hot-path state (this worker's thread only) ----
  // The current snapshot. Lock-free unless the state's version moved since the last call. The pointer shares a
  // per-worker control block, so copying it per request touches no cache line other threads write.
  const SnapshotPtr& snapshot();
  // The round-robin counter of the route in `slot` of the current snapshot, post-incremented.
  std::uint64_t next_round_robin(std::size_t slot);
  // Targets whose connect failed recently are skipped by the load balancer (see kTargetDownCooldown).
  bool has_down_targets() const { return !down_until_.empty(); }
  bool target_down(const std::string& key, Clock::time_point now) const;
  void mark_target_down(const std::string& key, Clock::time_point now);
  UpstreamPool& upstream_pool() { return *pool_; }
  // Relay buffers of kRelayChunkBytes, reused.
  std::unique_ptr<char[]> acquire_chunk();
  void release_chunk(std::unique_ptr<char[]> chunk);

  // ---- sessions, for graceful stop ----
  class SessionRegistration {
   public:
    SessionRegistration(Worker* worker, std::list<SessionSlot>::iterator it) : worker_(worker), it_(it) {}
    SessionRegistration(const SessionRegistration&) = delete;
    SessionRegistration& operator=(const SessionRegistration&) = delete;
    ~SessionRegistration();
    // Idle = waiting for the next request: such sessions are closed at once on stop.
    void set_idle(bool idle);

   private:
    Worker* worker_;
    std::list<SessionSlot>::iterator it_;
  };
  SessionRegistration register_session(boost::asio::ip::tcp::socket& socket);
  std::size_t session_count() const { return sessions_.size(); }

  // ---- deadlines (see Deadline) ----
  std::list<Deadline*>::iterator add_deadline(Deadline* d);
  void remove_deadline(std::list<Deadline*>::iterator it) { deadlines_.erase(it); }

  // ---- lifecycle ----
  // Takes a bound, listening acceptor created on io(). Call before start().
  void add_acceptor(boost::asio::ip::tcp::acceptor acceptor, ListenerKind kind);
  // Runs `hook` on this thread when the worker starts stopping (cancel timers, signal sets...).
  void on_stop(std::function<void()> hook);
  // Spawns the accept loops and the upstream pool sweeper.
  void start();
  // Runs the io_context until the worker stopped and drained.
  void run();
  // Thread-safe: closes the acceptors and idle sessions, lets busy ones finish (bounded by kShutdownGrace).
  void request_stop();

 private:
  friend class SessionRegistration;
  void begin_stop();
  void unregister(std::list<SessionSlot>::iterator it);
  void schedule_sweep();
  void schedule_deadline_tick();

  std::size_t index_;
  GatewayShared& shared_;
  bool stopping_ = false;
  bool started_ = false;
  bool tick_armed_ = false;

  // Declared before the io_context: coroutine frames destroyed with it may still unregister or return buffers.
  std::list<SessionSlot> sessions_;
  std::list<Deadline*> deadlines_;
  std::vector<std::unique_ptr<char[]>> free_chunks_;

  std::unique_ptr<boost::asio::io_context> ioc_;

  // Declared after the io_context: I/O objects must go before it.
  std::unique_ptr<UpstreamPool> pool_;
  std::list<std::pair<boost::asio::ip::tcp::acceptor, ListenerKind>> acceptors_;
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  std::unique_ptr<boost::asio::steady_timer> drain_timer_;
  std::unique_ptr<boost::asio::steady_timer> deadline_timer_;
  std::vector<std::function<void()>> stop_hooks_;

  SnapshotPtr snapshot_;
  std::uint64_t snapshot_version_ = ~std::uint64_t{0};
  std::vector<std::uint64_t> round_robin_;
  std::unordered_map<std::string, Clock::time_point> down_until_;
};

}  // namespace wasmgate::proxy
