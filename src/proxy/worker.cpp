#include "proxy/worker.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "proxy/http_session.h"
#include "proxy/limits.h"
#include "proxy/upstream_pool.h"
#include "wasm/engine/store.h"

namespace wasmgate::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
// How long this thread keeps the engine locks of the VMs it called (engine::keep_store_locks): long enough
// to span many requests, short enough that a thread wanting one of those VMs (or the cleaner destroying it)
// waits little. A VM two threads contend for stops being kept anyway (VmPool, PooledVm::stop_keeping_lock).
constexpr auto kKeptStoreLockHold = std::chrono::milliseconds(1);

void log_unhandled(std::exception_ptr e, const char* what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{} ended by an unexpected exception: {}", what, ex.what());
  } catch (...) {
    spdlog::error("{} ended by an unexpected exception", what);
  }
}

asio::awaitable<void> accept_loop(Worker& worker, tcp::acceptor& acceptor, ListenerKind kind) {
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAwait);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open() || worker.stopping()) co_return;
      spdlog::warn("worker {}: accepting a connection failed: {}", worker.index(), ec.message());
      backoff.expires_after(kAcceptErrorBackoff);
      co_await backoff.async_wait(kAwait);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(acceptor.get_executor(), serve_connection(worker, std::move(socket), kind),
                   [](std::exception_ptr e) { log_unhandled(e, "a connection"); });
  }
}

}  // namespace

Worker::Worker(std::size_t index, GatewayShared& shared)
    : index_(index),
      shared_(shared),
      // One thread runs this context and every socket of it is used from that thread only, so the reactor's
      // per-socket locks can go (other threads still post to it: the scheduler keeps its lock).
      ioc_(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO)),
      pool_(std::make_unique<UpstreamPool>()),
      sweep_timer_(std::make_unique<asio::steady_timer>(*ioc_)),
      drain_timer_(std::make_unique<asio::steady_timer>(*ioc_)),
      deadline_timer_(std::make_unique<asio::steady_timer>(*ioc_)) {}

Worker::~Worker() {
  // I/O objects first, then the io_context (destroying still-pending coroutine frames), then the rest.
  stop_hooks_.clear();
  deadline_timer_.reset();
  drain_timer_.reset();
  sweep_timer_.reset();
  acceptors_.clear();
  pool_.reset();
  ioc_.reset();
}

const SnapshotPtr& Worker::snapshot() {
  const std::uint64_t v = shared_.state->version();
  if (v != snapshot_version_) {
    // Alias the shared snapshot behind a control block of our own: sessions copy this pointer per request and
    // only this thread ever touches its count.
    auto holder = std::make_shared<SnapshotPtr>(shared_.state->current());
    const Snapshot* raw = holder->get();
    snapshot_ = SnapshotPtr(std::move(holder), raw);
    snapshot_version_ = v;
    round_robin_.assign(snapshot_->routes.size(), 0);
  }
  return snapshot_;
}

std::uint64_t Worker::next_round_robin(std::size_t slot) {
  if (slot >= round_robin_.size()) return 0;
  return round_robin_[slot]++;
}

bool Worker::target_down(const std::string& key, Clock::time_point now) const {
  if (down_until_.empty()) return false;
  const auto it = down_until_.find(key);
  return it != down_until_.end() && it->second > now;
}

void Worker::mark_target_down(const std::string& key, Clock::time_point now) {
  down_until_[key] = now + kTargetDownCooldown;
}

std::unique_ptr<char[]> Worker::acquire_chunk() {
  if (free_chunks_.empty()) return std::make_unique_for_overwrite<char[]>(kRelayChunkBytes);
  auto chunk = std::move(free_chunks_.back());
  free_chunks_.pop_back();
  return chunk;
}

void Worker::release_chunk(std::unique_ptr<char[]> chunk) {
  if (chunk && free_chunks_.size() < kMaxPooledRelayChunks) free_chunks_.push_back(std::move(chunk));
}

Worker::SessionRegistration Worker::register_session(tcp::socket& socket) {
  sessions_.push_front(SessionSlot{&socket, false});
  return SessionRegistration(this, sessions_.begin());
}

Worker::SessionRegistration::~SessionRegistration() { worker_->unregister(it_); }

void Worker::SessionRegistration::set_idle(bool idle) { it_->idle = idle; }

void Worker::unregister(std::list<SessionSlot>::iterator it) {
  sessions_.erase(it);
  if (stopping_ && sessions_.empty()) {
    if (drain_timer_) drain_timer_->cancel();
    if (deadline_timer_) deadline_timer_->cancel();
  }
}

Deadline::Deadline(Worker& worker, tcp::socket& socket)
    : worker_(worker), socket_(socket), it_(worker.add_deadline(this)) {}

Deadline::~Deadline() { worker_.remove_deadline(it_); }

std::list<Deadline*>::iterator Worker::add_deadline(Deadline* d) {
  deadlines_.push_front(d);
  if (!tick_armed_ && started_) schedule_deadline_tick();
  return deadlines_.begin();
}

// Ticks only while some deadline exists: an idle worker does not wake up. tick_armed_ is exact: a wait is pending
// iff it is set (waits end only by firing or by cancel()).
void Worker::schedule_deadline_tick() {
  tick_armed_ = true;
  deadline_timer_->expires_after(kDeadlineTick);
  deadline_timer_->async_wait([this](boost::system::error_code ec) {
    tick_armed_ = false;
    if (!ec) {
      const auto now = Clock::now();
      for (Deadline* d : deadlines_) {
        if (d->at_ <= now) {
          d->at_ = Clock::time_point::max();
          d->expired_ = true;
          boost::system::error_code ignored;
          d->socket_.cancel(ignored);
        }
      }
    }
    // Keeps ticking while stopping: draining sessions still need their timeouts.
    const bool drained = stopping_ && sessions_.empty();
    if (!deadlines_.empty() && !drained) schedule_deadline_tick();
  });
}

void Worker::add_acceptor(tcp::acceptor acceptor, ListenerKind kind) {
  acceptors_.emplace_back(std::move(acceptor), kind);
}

void Worker::on_stop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

void Worker::start() {
  for (auto& [acceptor, kind] : acceptors_) {
    asio::co_spawn(*ioc_, accept_loop(*this, acceptor, kind), [](std::exception_ptr e) { log_unhandled(e, "an accept loop"); });
  }
  started_ = true;
  schedule_sweep();
  if (!deadlines_.empty() && !tick_armed_) schedule_deadline_tick();
}

void Worker::schedule_sweep() {
  if (stopping_) return;
  sweep_timer_->expires_after(kUpstreamPoolSweepInterval);
  sweep_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    const auto now = Clock::now();
    pool_->sweep(now);
    std::erase_if(down_until_, [now](const auto& entry) { return entry.second <= now; });
    schedule_sweep();
  });
}

void Worker::run() {
  // Plugin calls on this thread keep their VM's engine lock for up to kKeptStoreLockHold instead of taking
  // and releasing it per call (~2 k instructions each): a busy thread, or one serving requests back to back,
  // then locks each VM about once per millisecond.
  asio::steady_timer release_kept(*ioc_);
  engine::keep_store_locks([&release_kept] {
    release_kept.expires_after(kKeptStoreLockHold);
    release_kept.async_wait([](boost::system::error_code ec) {
      // Aborted: re-armed (the locks were released early, by a wait) and a later wait is pending.
      if (ec != asio::error::operation_aborted) engine::release_kept_store_locks();
    });
  });
  struct StopKeeping {
    ~StopKeeping() { engine::stop_keeping_store_locks(); }  // also when the loop ends with pending handlers
  } stop_keeping;
  for (;;) {
    try {
      ioc_->run();
      return;
    } catch (const std::exception& e) {
      // Handlers do not throw by design; if one does, log and keep serving the other connections.
      spdlog::error("worker {}: unexpected exception in the event loop: {}", index_, e.what());
    }
  }
}

void Worker::request_stop() {
  asio::post(*ioc_, [this] { begin_stop(); });
}

void Worker::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  boost::system::error_code ignored;
  for (auto& [acceptor, kind] : acceptors_) acceptor.close(ignored);
  sweep_timer_->cancel();
  pool_->close_all();
  for (auto& hook : stop_hooks_) hook();
  for (SessionSlot& s : sessions_) {
    if (s.idle) s.socket->cancel(ignored);
  }
  if (sessions_.empty()) {
    deadline_timer_->cancel();
    return;
  }
  spdlog::info("worker {}: waiting for {} connection(s) to finish", index_, sessions_.size());
  drain_timer_->expires_after(kShutdownGrace);
  drain_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: every session ended in time
    spdlog::warn("worker {}: {} connection(s) still busy after {} s, stopping anyway", index_, sessions_.size(),
                 kShutdownGrace.count());
    ioc_->stop();
  });
}

}  // namespace wasmgate::proxy
