// Moving one file between branches (moveonenospc, rebalance): a whole copy into the target's
// staging folder (BRANCH/.mergerfs.staging), checked against changes to the source, renamed
// into place. Plain syscalls; runs on a migration actor's own thread, never on a FUSE or
// scheduler thread.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>

namespace mfs::fs {

// A copy waiting in the target's staging folder.
struct StagedFile {
  std::string name;        // fusepath beneath the branch root: /.mergerfs.staging/<leaf>_XXXXXX
  ino_t ino = 0;           // of the staged copy (the journal's proof that a file is ours)
  struct stat source {};   // the source version that was copied
};

// Called after each copied chunk with the bytes copied so far; returning false cancels the
// copy (-ECANCELED).
using CopyProgress = std::function<bool(uint64_t copied)>;

// Makes the staging folder on a branch if it is missing. 0 or -errno.
int ensure_staging(int root_fd);
// A fresh staging fusepath for a copy of `path`.
std::string staging_name(const std::string& path);
// Copies `path` from src into the staging file `name` on dst with data, xattrs, owner, mode and
// times, fsynced. -EAGAIN if the source changed meanwhile; on any error nothing is left behind.
int stage_copy(int src_root, int dst_root, const std::string& path, const std::string& name,
               StagedFile& out, const CopyProgress& progress = {});
// The source at `path` is still the version `staged.source` describes (same inode, size, times).
bool source_unchanged(int src_root, const std::string& path, const StagedFile& staged);
// Clones the parent path from src and renames the staged copy to `path` on dst (renameat2
// `flags`, e.g. RENAME_NOREPLACE). 0 or -errno; the staged copy stays on failure.
int commit_staged(int src_root, int dst_root, const StagedFile& staged, const std::string& path,
                  unsigned flags);

// moveonenospc's whole copy: stage, then rename over `path` on dst. Restarts if the source
// changes during the copy. 0, or -errno with nothing left on dst.
int copy_to_branch(int src_root, int dst_root, const std::string& path);

}  // namespace mfs::fs
