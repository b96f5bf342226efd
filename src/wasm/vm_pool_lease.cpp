#include "wasm/vm_pool_lease.h"

#include <utility>

#include "wasm/vm_pool.h"

namespace wasmgate::wasm {

VmLease::VmLease(std::shared_ptr<VmPool> pool, std::uint64_t id, PooledVmPtr vm)
    : pool_(std::move(pool)), id_(id), vm_(std::move(vm)) {}

VmLease::VmLease(VmLease&& other) noexcept
    : pool_(std::move(other.pool_)),
      id_(std::exchange(other.id_, 0)),
      vm_(std::move(other.vm_)),
      discard_(std::exchange(other.discard_, false)) {}

VmLease& VmLease::operator=(VmLease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    id_ = std::exchange(other.id_, 0);
    vm_ = std::move(other.vm_);
    discard_ = std::exchange(other.discard_, false);
  }
  return *this;
}

VmLease::~VmLease() {
  release();
}

void VmLease::release() noexcept {
  if (!vm_) return;
  // The local keeps the pool alive while give_back runs waiters' callbacks, even if this lease held the last
  // reference (pool dropped from its registry while the VM was out).
  std::shared_ptr<VmPool> pool = std::move(pool_);
  const bool discard = std::exchange(discard_, false);
  pool->give_back(std::exchange(id_, 0), std::move(vm_), discard);
}

}  // namespace wasmgate::wasm
