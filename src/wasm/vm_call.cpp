// Vm::call — the per-call path, kept lean (DESIGN §5): the kernel reset and the input block written straight
// into the kernel's memory (prepare_call_in_memory; the kernel's wg_prepare_call only when memory must grow),
// a memcpy of the input, the guest call, then output and error read straight from the kernel's memory
// (wg_state): one host→wasm call in all. [Extism resets the kernel after each call; we reset before the next
// instead, which the guest cannot tell apart and saves a crossing per call.]
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <thread>

#include "wasm/abi/extism/kernel_module.h"
#include "wasm/abi/wasi/wasi_state.h"
#include "wasm/vm.h"

namespace wasmgate::wasm {
namespace {

using engine::Outcome;

// The kernel's largest block (WG_MAX_ALLOC_BYTES in kernel.c): wg_prepare_call takes the length as a u32.
constexpr std::uint64_t kMaxInputBytes = 0xC0000000ull;

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The guest's error_set message, or "" when none is set (or it is unreadable).
std::string_view guest_error(const engine::MemoryView& view, const abi::KernelState& state) {
  if (state.error_offset == 0) return {};
  auto bytes = view.slice(state.error_offset, state.error_length);
  return bytes ? as_chars(*bytes) : std::string_view();
}

}  // namespace

Result<std::string> Vm::call(std::string_view function, std::string_view input, engine::Deadline deadline) {
  if (failure_) return failed_earlier();
  // Under a Pin of this thread the store is held already; otherwise hold it for this call.
  std::optional<engine::StoreLock> lock;
  if (!store_held_by_this_thread()) lock.emplace(*store_);
  auto exported = find_export(function);
  if (!exported) return exported.take_error();
  const Export& target = **exported;

  const auto start = engine::Clock::now();
  deadline = std::min(deadline, start + call_timeout_);
  context_->memory_exhausted = false;
  auto result = call_export(target, input, deadline);
  count_call(start, result.ok());
  return result;
}

Result<std::vector<engine::Value>> Vm::call_raw(std::string_view function,
                                                std::span<const engine::Value> args,
                                                engine::Deadline deadline) {
  if (failure_) return failed_earlier();
  std::optional<engine::StoreLock> lock;
  if (!store_held_by_this_thread()) lock.emplace(*store_);
  auto f = guest_func(function);
  if (!f) return f.take_error();
  const auto& params = f->type->params;
  const bool matches = params.size() == args.size() &&
                       std::equal(params.begin(), params.end(), args.begin(),
                                  [](engine::ValType t, const engine::Value& v) { return t == v.type(); });
  if (!matches) {
    return make_error(Errc::PluginLoad, fmt::format("{}export \"{}\" is func {}, called with {} argument(s)",
                                                    prefix(), function, f->type->to_string(), args.size()));
  }

  const auto start = engine::Clock::now();
  deadline = std::min(deadline, start + call_timeout_);
  context_->memory_exhausted = false;
  auto called = guest_->call(*f, args, deadline);
  count_call(start, called.ok());
  if (!called) return fail_call(called.take_failure(), function);
  if (modules_->split.budget_bytes() != 0 && current_memory_bytes() > modules_->split.budget_bytes()) {
    return mark_failed(make_error(
        Errc::PluginMemory,
        fmt::format("{}memory budget exceeded: {} bytes in use but memoryPages={} allows {}", prefix(),
                    current_memory_bytes(), modules_->split.budget_pages, modules_->split.budget_bytes())));
  }
  return std::move(*called);
}

Error Vm::failed_earlier() const {
  return make_error(Errc::Internal, fmt::format("{}this VM failed earlier and must be replaced ({})",
                                                prefix(), failure_->message));
}

bool Vm::store_held_by_this_thread() const {
  return pin_depth_.load(std::memory_order_relaxed) != 0 &&
         pinned_by_.load(std::memory_order_relaxed) == std::this_thread::get_id();
}

void Vm::count_call(engine::Clock::time_point start, bool ok) {
  const auto end = engine::Clock::now();
  ++stats_.calls;
  stats_.total_call_time += end - start;
  stats_.last_used = end;
  if (!ok) ++stats_.failed_calls;
}

Result<std::string> Vm::call_export(const Export& target, std::string_view input, engine::Deadline deadline) {
  // 1. Reset the kernel and place the input: by writing the kernel's memory (no host→wasm call), or through
  // its wg_prepare_call when the input block needs memory to grow. The kernel's prepare is O(1) plus at most
  // a grow: no deadline, which saves arming the watchdog twice.
  if (input.size() > kMaxInputBytes) {
    return make_error(Errc::PluginMemory,
                      fmt::format("{}an input of {} bytes is above the kernel's limit of {}", prefix(),
                                  input.size(), kMaxInputBytes));
  }
  engine::MemoryView view = kernel_memory_->view();
  std::uint64_t at = 0;
  if (auto written = abi::prepare_call_in_memory(view, state_address_, input.size())) {
    at = *written;
  } else {
    // (i32) -> i32, both unsigned: no BigInt boxing on the way in or out (kernel_module.h).
    auto prepared = kernel_->call_i32_i32(prepare_call_, static_cast<std::int32_t>(input.size()));
    if (!prepared) return fail_call(prepared.take_failure(), target.name);
    at = std::uint64_t{static_cast<std::uint32_t>(*prepared)};
    view = kernel_memory_->view();  // memory may have grown
  }
  if (!input.empty()) {
    auto destination = at == 0 ? std::nullopt : view.slice(at, input.size());
    if (!destination) {
      return make_error(
          Errc::PluginMemory,
          fmt::format("{}an input of {} bytes does not fit in the memory budget (memoryPages={})", prefix(),
                      input.size(), modules_->split.budget_pages));
    }
    std::memcpy(destination->data(), input.data(), input.size());
  }

  // 2. The guest.
  std::int32_t rc = 0;
  std::optional<engine::Failure> failed;
  if (target.returns_i32) {
    auto r = guest_->call_i32(target.handle, deadline);
    if (r) {
      rc = *r;
    } else {
      failed = r.take_failure();
    }
  } else if (auto r = guest_->call_void(target.handle, deadline); !r) {
    failed = r.take_failure();
  }
  if (failed) {
    // WASI proc_exit(0) unwinds the guest like a trap but is a success, with the output set so far (Extism:
    // wasmtime's I32Exit(0)). The guest's runtime has ended (stack pointer, atexit state): the VM is
    // replaced.
    if (failed->outcome != Outcome::HostError || abi::wasi_exit_code(*context_) != 0) {
      return fail_call(std::move(*failed), target.name);
    }
    mark_failed(make_error(Errc::PluginTrap,
                           fmt::format("{}exited with code 0 (proc_exit in {})", prefix(), target.name)));
  }

  // 3. Output and error, straight from the kernel's memory (a fresh view: the guest may have grown it).
  view = kernel_memory_->view();
  const auto state = abi::read_kernel_state(view, state_address_);
  if (!state)
    return mark_failed(make_error(Errc::Internal, prefix() + "the Extism kernel state is unreadable"));
  if (view.size > kernel_initial_bytes_ && current_memory_bytes() > modules_->split.budget_bytes()) {
    return mark_failed(make_error(
        Errc::PluginMemory,
        fmt::format("{}memory budget exceeded: {} bytes in use but memoryPages={} allows {}", prefix(),
                    current_memory_bytes(), modules_->split.budget_pages, modules_->split.budget_bytes())));
  }
  if (state->error_offset != 0 || rc != 0) {
    // The guest reported an error and returned normally: its state is consistent, the VM stays usable.
    const std::string_view message = guest_error(view, *state);
    if (!message.empty()) return make_error(Errc::PluginTrap, std::string(message));
    return make_error(Errc::PluginTrap, fmt::format("{}{} returned {}", prefix(), target.name, rc));
  }
  if (state->output_length > max_output_bytes_) {
    return make_error(Errc::PluginMemory,
                      fmt::format("{}{} returned {} bytes of output, above the limit of {} bytes", prefix(),
                                  target.name, state->output_length, max_output_bytes_));
  }
  if (state->output_length == 0) return std::string();
  auto output = view.slice(state->output_offset, state->output_length);
  if (!output)
    return mark_failed(make_error(Errc::Internal, prefix() + "the output range is outside memory"));
  return std::string(as_chars(*output));
}

Result<engine::FuncHandle> Vm::guest_func(std::string_view name) const {
  if (auto f = guest_->func(name)) return *f;
  auto missing = engine::require_export(guest_->module()->info(), name, engine::ExternKind::Func);
  return make_error(
      Errc::PluginLoad,
      prefix() + (missing ? fmt::format("export \"{}\" is not a function", name) : missing.error().message));
}

Result<const Vm::Export*> Vm::find_export(std::string_view name) {
  for (const auto& e : exports_) {
    if (e.name == name) return &e;
  }
  auto f = guest_func(name);
  if (!f) return f.take_error();
  const engine::FuncType& type = *f->type;
  const bool returns_i32 = type.results == std::vector<engine::ValType>{engine::ValType::I32};
  if (!type.params.empty() || !(returns_i32 || type.results.empty())) {
    return make_error(Errc::PluginLoad,
                      fmt::format("{}export \"{}\" is func {}, expected () -> i32 or () -> ()", prefix(),
                                  name, type.to_string()));
  }
  exports_.push_back(Export{std::string(name), *f, returns_i32});
  return &exports_.back();
}

// Trap, timeout, host failure, engine OOM: the guest stopped mid-way, its invariants may be broken.
Error Vm::fail_call(engine::Failure failure, std::string_view function) {
  if (failure.outcome == Outcome::HostError) {
    if (const auto code = abi::wasi_exit_code(*context_)) {  // WASI proc_exit with a non-zero code
      return mark_failed(make_error(Errc::PluginTrap, fmt::format("{}exited with code {} (proc_exit in {})",
                                                                  prefix(), *code, function)));
    }
  }
  std::string guest_message;
  if (auto state = abi::read_kernel_state(kernel_memory_->view(), state_address_)) {
    guest_message = std::string(guest_error(kernel_memory_->view(), *state));
  }
  const std::string also = guest_message.empty() ? "" : fmt::format(" (guest error: {})", guest_message);
  switch (failure.outcome) {
    case Outcome::Timeout:
    case Outcome::Terminated:
      return mark_failed(make_error(
          Errc::PluginTimeout,
          fmt::format("{}timeout: {} {} (call timeout {} ms)", prefix(), function,
                      failure.outcome == Outcome::Timeout ? "ran past its deadline" : "was cancelled",
                      call_timeout_.count())));
    case Outcome::Trap:
    case Outcome::HostError:
    case Outcome::OutOfMemory:
      if (failure.outcome == Outcome::OutOfMemory || context_->memory_exhausted || memory_at_cap()) {
        return mark_failed(make_error(
            Errc::PluginMemory, fmt::format("{}out of memory (memoryPages={}): {} failed: {}{}", prefix(),
                                            modules_->split.budget_pages, function, failure.message, also)));
      }
      return mark_failed(make_error(
          Errc::PluginTrap,
          fmt::format("{}{} {}: {}{}", prefix(), function,
                      failure.outcome == Outcome::Trap ? "trapped" : "failed", failure.message, also)));
    default:
      return mark_failed(make_error(failure.to_error().code, fmt::format("{}{} failed: {}{}", prefix(),
                                                                         function, failure.message, also)));
  }
}

Error Vm::mark_failed(Error error) {
  if (!failure_) failure_ = error;
  return error;
}

// A trap while memory is (nearly) exhausted is most likely a failed grow turned into an abort (Rust's
// handle_alloc_error, a C guest checking malloc): reported as PluginMemory. A heuristic, used only on
// failure: the failing grow itself is invisible, and it may have asked for more than was left, so "nearly" =
// 90% of a memory's cap or of the whole budget.
bool Vm::memory_at_cap() {
  const auto nearly = [](std::uint64_t used, std::uint64_t cap) { return cap != 0 && used * 10 >= cap * 9; };
  const MemorySplit& split = modules_->split;
  if (nearly(kernel_memory_->view().size, std::uint64_t{split.kernel_max_pages} * engine::kWasmPageBytes)) {
    return true;
  }
  if (guest_memory_ != nullptr && nearly(guest_memory_->view().size, guest_max_bytes_)) return true;
  return nearly(current_memory_bytes(), split.budget_bytes());
}

}  // namespace wasmgate::wasm
