#include "store/entity_store.h"

namespace wasmgate::store {

EntityStore::~EntityStore() = default;

}  // namespace wasmgate::store
