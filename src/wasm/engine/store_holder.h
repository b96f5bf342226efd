// Which thread holds a store's lock (Store::holder): what the VM pool reads to hand a thread the VMs it
// already holds (engine::keep_store_locks). Its own header so the pool's VM interface need not include the
// engine's.
#pragma once

#include <cstdint>

namespace wasmgate::engine {

enum class StoreHolder : std::uint8_t { Nobody, ThisThread, OtherThread };

}  // namespace wasmgate::engine
