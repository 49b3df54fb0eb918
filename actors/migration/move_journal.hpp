// The intent journal of rebalance moves: one record per move under way, in the source branch's
// staging folder (SRC/.mergerfs.staging/journal), written with fsync before each phase and
// removed when the move is done. Recovery at start finishes or rolls back that one move, then
// empties the staging folders (temp files only: nothing there is a user's file).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mfs {

struct MoveRecord {
  std::string phase;        // "staging" (copy starting), "staged" (copy fsynced), "committed"
  std::string src;          // source branch path
  std::string dst;          // target branch path
  std::string path;         // the file's pool path
  std::string staged;       // its staging fusepath on dst
  uint64_t src_ino = 0;     // the source file's inode when the move started
  uint64_t staged_ino = 0;  // the staged copy's inode (from "staged" on): proof a copy is ours
};

// Replaces the journal of `src_root` atomically (temp, fsync, rename, fsync dir). 0 or -errno.
int journal_write(int src_root, const MoveRecord& rec);
// Removes it (fsync dir). 0 or -errno.
int journal_clear(int src_root);

// Start-up recovery over every branch (path, O_PATH root fd): for each journal, the staged copy
// still in staging is deleted; a copy already renamed into place (inode matches) is kept and
// the source unlinked if it is still the same file, or the copy removed if the source changed;
// nothing else is touched. Then every staging folder is emptied of temp files. Returns one line
// per action, for the log.
std::vector<std::string> recover_moves(const std::vector<std::pair<std::string, int>>& branches);

}  // namespace mfs
