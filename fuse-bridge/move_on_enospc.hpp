// moveonenospc (FEATURES.md §4.8): a write that hit ENOSPC/EDQUOT hands its data to a migration
// actor, which moves the file to a branch with room, swaps every handle's descriptor, retries
// the write and answers. The FUSE thread returns at once.
#pragma once
#include <sys/types.h>

#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/reply.hpp"

namespace mfs::bridge {

// Takes over the request: `reply` is answered later, by the migration (the original error if
// the move fails; `original_err` is its -errno). Copies `buf`, which dies with the handler.
void start_move(Bridge& b, Reply& reply, FileHandle& h, const char* buf, size_t size, off_t off,
                int original_err);

}  // namespace mfs::bridge
