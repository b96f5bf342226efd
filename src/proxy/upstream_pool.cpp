#include "proxy/upstream_pool.h"

#include <algorithm>

#include "proxy/limits.h"

namespace wasmgate::proxy {

UpstreamConnectionPtr UpstreamPool::take(std::string_view key, Clock::time_point now) {
  const auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& stack = it->second;
  while (!stack.empty()) {
    UpstreamConnectionPtr conn = std::move(stack.back());
    stack.pop_back();
    if (conn->expires > now && conn->socket.is_open()) {
      conn->reused = true;
      return conn;
    }
  }
  return nullptr;
}

void UpstreamPool::give_back(UpstreamConnectionPtr conn, Clock::time_point now, Clock::duration max_idle) {
  if (!conn || !conn->socket.is_open() || conn->buffer.size() != 0) return;
  if (max_idle <= Clock::duration::zero()) return;
  auto& stack = idle_[conn->key];
  if (stack.size() >= kMaxIdleUpstreamPerTarget) return;  // closes conn
  conn->expires = now + std::min<Clock::duration>(max_idle, kMaxUpstreamIdle);
  conn->deadline.expires_never();
  stack.push_back(std::move(conn));
}

void UpstreamPool::sweep(Clock::time_point now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& stack = it->second;
    stack.erase(std::remove_if(stack.begin(), stack.end(),
                               [now](const UpstreamConnectionPtr& c) { return c->expires <= now; }),
                stack.end());
    it = stack.empty() ? idle_.erase(it) : std::next(it);
  }
}

void UpstreamPool::close_all() { idle_.clear(); }

std::size_t UpstreamPool::idle_count() const {
  std::size_t n = 0;
  for (const auto& [key, stack] : idle_) n += stack.size();
  return n;
}

}  // namespace wasmgate::proxy
