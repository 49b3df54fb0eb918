// moveonenospc (FEATURES.md §4.8), the bridge's glue: a write that hit ENOSPC/EDQUOT hands its
// data, handle and reply to the migration (actors/migration/move_on_enospc.hpp), which moves
// the file, has every handle follow it, retries the write and answers. The FUSE thread returns
// at once.
#pragma once
#include <sys/types.h>

#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/reply.hpp"

namespace mfs::bridge {

// Takes over the request: `reply` is answered later, by the migration (the original error if
// the move fails). Copies `buf`, which dies with the handler.
void start_move(Bridge& b, Reply& reply, FileHandle& h, const char* buf, size_t size, off_t off,
                int original_err);

}  // namespace mfs::bridge
