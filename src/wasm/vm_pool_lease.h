// VmLease: exclusive use of one pooled VM for one caller (STYLE "For wasmgate" 11). RAII: destroying or
// releasing the lease returns the VM to its pool, or destroys it if it failed, was discarded, reached
// max_calls, was marked by the cleaner or its pool was retired.
#pragma once

#include <cstdint>
#include <memory>

#include "wasm/pooled_vm.h"

namespace wasmgate::wasm {

class VmPool;

class VmLease {
 public:
  VmLease() = default;  // empty: holds nothing
  VmLease(VmLease&& other) noexcept;
  VmLease& operator=(VmLease&& other) noexcept;  // returns the VM held before, if any
  VmLease(const VmLease&) = delete;
  VmLease& operator=(const VmLease&) = delete;
  ~VmLease();

  explicit operator bool() const { return vm_ != nullptr; }

  // The leased VM; only this lease's holder may use it until release. Precondition: not empty.
  PooledVm& vm() const { return *vm_; }
  PooledVm* operator->() const { return vm_.get(); }
  // The VM as the concrete type its pool's factory makes (e.g. `lease.as<Vm>()`); unchecked cast.
  template <typename T>
  T& as() const {
    return static_cast<T&>(*vm_);
  }
  // Pool-unique VM number, for log lines ("vm 3").
  std::uint64_t vm_id() const { return id_; }

  // Destroy the VM at release instead of returning it, e.g. after a call that returned an error without
  // poisoning the VM (Otoroshi recycles a VM whose call failed, spec §8). Counted as an error.
  void discard() { discard_ = true; }

  // Returns (or destroys) the VM now; the lease becomes empty. May run, on this thread, the callback of an
  // async acquirer waiting for the VM (see VmPool::acquire_async). No-op on an empty lease.
  void release() noexcept;

 private:
  friend class VmPool;
  VmLease(std::shared_ptr<VmPool> pool, std::uint64_t id, PooledVmPtr vm);

  std::shared_ptr<VmPool> pool_;  // keeps a retired or unregistered pool alive until the VM is back
  std::uint64_t id_ = 0;
  PooledVmPtr vm_;
  bool discard_ = false;
};

}  // namespace wasmgate::wasm
