// A VM: one instantiated plugin — a Store holding wasmgate's Extism kernel and the guest linked to it, plus
// the host state of the PDK functions (config, vars, last HTTP response). The unit the pool leases: one call
// at a time, from any thread (one thread at a time). Fault-isolated: a trap, timeout, memory exhaustion or
// host failure ends that call with an Error and marks the VM failed for good, so the pool discards it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/engine/engine.h"
#include "wasm/engine/instance.h"
#include "wasm/engine/store.h"
#include "wasm/pooled_vm.h"
#include "wasm/vm_spec.h"

namespace wasmgate::wasm {

class Vm final : public PooledVm {
 public:
  // Compiles (unless spec.modules is given), creates a store, instantiates the kernel, links and instantiates
  // the guest, and runs its runtime initialisers once (hs_init after _initialize, else __wasm_call_ctors,
  // else _initialize; spec §5.4) under the call timeout. Errors are PluginLoad and name the problem: invalid
  // bytes, "module needs N pages but memoryPages=M", "unknown import extism:host/env.foo (…)", "import
  // wasi_snapshot_preview1.fd_write (…) needs WASI (wasi is false)", an initialiser's trap.
  static Result<std::unique_ptr<Vm>> create(engine::Engine& engine, VmSpec spec);
  ~Vm() override;
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  // Calls export `function` (`() -> i32` or `() -> ()`) with `input` and returns its output bytes. The call
  // ends by `deadline` or after the VM's call timeout, whichever is first. Errors:
  //   PluginTrap    the guest returned non-zero or set an error (message: the guest's error_set text,
  //                 verbatim; else "plugin x: execute returned 1"); a trap ("… trapped: RuntimeError:
  //                 unreachable"); a host function failed (HTTP not allowed, C++ exception…); WASI
  //                 proc_exit(N≠0): "plugin x: exited with code N (proc_exit in f)" — proc_exit(0) succeeds
  //                 with the output set so far, and in both cases the VM is marked failed (replaced)
  //   PluginTimeout "timeout …": the deadline passed (or cancel())
  //   PluginMemory  memory budget exhausted (guest or kernel at its cap, sum over memoryPages), output above
  //                 max_output_bytes
  //   PluginLoad    no such export, or not `() -> i32` / `() -> ()` (the VM stays usable)
  //   Internal      the VM failed earlier (its first failure is kept in failure())
  // Faults mark the VM failed: traps, timeouts, host-function failures, memory exhaustion during the call.
  // The others leave it usable: PluginLoad, the guest's own error report, an output above the limit, an input
  // that cannot fit. Vars persist across calls; the kernel (input, output, every block) is reset at the start
  // of each call. Takes the store's lock for the call unless this thread holds a Pin.
  Result<std::string> call(std::string_view function, std::string_view input,
                           engine::Deadline deadline = engine::kNoDeadline);

  // Calls export `function` with `args` as they are — any signature (OPA's opa_eval, http-wasm's
  // handle_request) — under the same deadline, fault handling, failure stickiness and stats as call(), but
  // without the Extism kernel: the caller exchanges data through memory it reaches with guest() or the
  // store, holding a Pin across the whole sequence. PluginLoad (the VM stays usable) when the export is
  // missing or its parameters do not match `args`.
  Result<std::vector<engine::Value>> call_raw(std::string_view function, std::span<const engine::Value> args,
                                              engine::Deadline deadline = engine::kNoDeadline);

  // The guest instance, its own exported memory (nullptr if none, or if the memory it exports is one it
  // imports, like OPA's env.memory) and the store: for drivers of other ABIs
  // (OPA, http-wasm) built on this VM. Use them from the thread holding a Pin.
  engine::Instance& guest() { return *guest_; }
  engine::Memory* guest_memory() { return guest_memory_; }
  engine::Store& store() { return *store_; }

  // Sticky: once a call faulted, every later call fails at once.
  const std::optional<Error>& failure() const { return failure_; }

  // PooledVm (what the pool's kill options read; from the thread holding the VM, between calls):
  bool failed() const override { return failure_.has_value(); }
  std::uint64_t calls() const override { return stats_.calls; }
  std::chrono::nanoseconds total_call_time() const override { return stats_.total_call_time; }
  // Guest + kernel linear memory now (reads both memories).
  std::size_t memory_bytes() const override;
  engine::StoreHolder holder() const override { return store_->holder(); }
  void stop_keeping_lock() override { store_->stop_keeping_lock(); }
  void release_kept_lock() override { store_->release_kept_lock(); }

  // Ends the running call (if any) from any thread; it fails with PluginTimeout. False if none was running.
  bool cancel();

  // Holds the VM's store on this thread for a sequence of calls (a lease): each call then skips taking and
  // releasing the engine lock (~40% of a small call). Other threads block until it is released. Destroy it
  // before the Vm, on the thread that made it.
  class Pin {
   public:
    explicit Pin(Vm& vm);
    ~Pin();
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;

   private:
    Vm& vm_;
    engine::StoreLock lock_;
  };
  Pin pin() { return Pin(*this); }

  // Counters and current memory (reads the memories: from the thread using the VM).
  VmStats stats();
  const std::string& plugin_id() const { return context_->plugin_id; }
  // The PDK host state (vars, config…): for the imports hook's owner and tests.
  abi::VmHostContext& host_context() { return *context_; }

 private:
  struct Export {
    std::string name;
    engine::FuncHandle handle;
    bool returns_i32 = false;
  };

  Vm() = default;
  Result<const Export*> find_export(std::string_view name);
  // The guest's exported function `name`; PluginLoad "export \"x\" not found (exports: …)" otherwise.
  Result<engine::FuncHandle> guest_func(std::string_view name) const;
  Result<std::string> call_export(const Export& target, std::string_view input, engine::Deadline deadline);
  Error failed_earlier() const;
  bool store_held_by_this_thread() const;
  // Counts a finished call (either kind) in stats_.
  void count_call(engine::Clock::time_point start, bool ok);
  Result<void> run_initializers(engine::Deadline deadline);
  // Turns a failed guest call into the call's Error, marks the VM failed.
  Error fail_call(engine::Failure failure, std::string_view function);
  Error mark_failed(Error error);
  bool memory_at_cap();
  std::uint64_t current_memory_bytes() const;  // store held by the caller
  std::string prefix() const;                  // "plugin x: "

  VmModulesPtr modules_;
  std::chrono::milliseconds call_timeout_{0};
  std::uint64_t max_output_bytes_ = 0;

  engine::StorePtr store_;
  engine::InstancePtr kernel_;
  engine::InstancePtr guest_;
  std::unique_ptr<abi::VmHostContext> context_;
  engine::Memory* kernel_memory_ = nullptr;
  engine::Memory* guest_memory_ = nullptr;  // null when the guest exports none, or only one it imported
  engine::FuncHandle prepare_call_;
  std::uint32_t state_address_ = 0;
  std::uint64_t kernel_initial_bytes_ = 0;
  std::uint64_t guest_max_bytes_ = 0;  // the guest memory's max after the cap (0: no memory)
  std::vector<Export> exports_;        // looked up so far

  std::optional<Error> failure_;
  VmStats stats_;
  // Which thread holds Pins, so call() knows the store is already held (atomics: read by any caller).
  std::atomic<std::thread::id> pinned_by_{};
  std::atomic<int> pin_depth_{0};
};

using VmPtr = std::unique_ptr<Vm>;

}  // namespace wasmgate::wasm
