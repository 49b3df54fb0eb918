// Moving one file between branches, the one routine moveonenospc and rebalance share: a whole
// copy into the target's staging folder (BRANCH/.mergerfs.staging), checked against changes to
// the source, renamed into place, source unlinked. Plain syscalls; runs on a migration actor's
// own thread, never on a FUSE or scheduler thread.
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

// Removes the staging folder if it is empty (other moves may still use it).
void release_staging(int root_fd);

// link-cow's whole copy: stage, then rename over `path` on dst. Restarts if the source
// changes during the copy. 0, or -errno with nothing left on dst.
int copy_to_branch(int src_root, int dst_root, const std::string& path);

// Where a caller joins the move; each may be empty.
struct MoveHooks {
  CopyProgress progress;  // after each copied chunk
  // The copy is fsynced in staging (e.g. journal it). A -errno aborts the move.
  std::function<int(const StagedFile&)> staged;
  // Just before the verify and rename: false gives the move up (e.g. the file was opened).
  std::function<bool()> hold;
  // The copy is in place under `path`, the source still there: e.g. move open descriptors to
  // the copy, journal the commit.
  std::function<void()> committed;
};

enum class MoveStep { copy, staged, hold, verify, rename, unlink, done };

struct MoveResult {
  int err = 0;                     // 0 or -errno of `step`
  MoveStep step = MoveStep::done;  // where it stopped
  // The copy is in place on dst (the move is whole, though the source unlink may have failed).
  bool committed() const { return step == MoveStep::unlink || step == MoveStep::done; }
};

// Copies `path` into dst's staging folder as `staged_name`, checks that the source is still the
// version copied, renames the copy to `path` on dst (renameat2 `rename_flags`: 0 replaces,
// RENAME_NOREPLACE keeps a file already there) and unlinks the source. Before the rename, any
// failure removes the staged copy and leaves the source as it was. The staging folders stay for
// the caller to release.
MoveResult move_file(int src_root, int dst_root, const std::string& path,
                     const std::string& staged_name, unsigned rename_flags,
                     const MoveHooks& hooks = {});

}  // namespace mfs::fs
