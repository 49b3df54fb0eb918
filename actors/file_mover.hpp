// Moving one file between branches (moveonenospc, rebalance): a whole copy into a temp file on
// the target, checked against changes to the source, renamed into place. Plain syscalls; runs on
// a migration actor's own thread, never on a FUSE or scheduler thread.
#pragma once
#include <string>

namespace mfs::fs {

// Copies `path` (a fusepath) from src to dst with data, xattrs, owner, mode and times. Restarts
// if the source changes during the copy. 0, or -errno with nothing left on dst.
int copy_to_branch(int src_root, int dst_root, const std::string& path);

}  // namespace mfs::fs
