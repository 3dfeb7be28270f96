#include "common/striped_counter.h"

namespace mnemo {

namespace {
thread_local size_t tls_slot = 0;
}  // namespace

size_t ThreadSlot() { return tls_slot; }

void SetThreadSlot(size_t slot) { tls_slot = slot % kThreadSlots; }

}  // namespace mnemo
