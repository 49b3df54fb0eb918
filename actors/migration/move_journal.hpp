// The intent journal of rebalance moves: one record per move under way, in the source branch's
// staging folder (SRC/.mergerfs.staging/journal), written with fsync before each phase and
// removed when the move is done. Recovery at start finishes or rolls back that one move, then
// empties the staging folders (temp files only: nothing there is a user's file).
#pragma once
#include <sys/types.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "actors/migration/move_record.hpp"

namespace mfs {


// Replaces the journal of `src_root` atomically (temp, fsync, rename, fsync dir). 0 or -errno.
int journal_write(int src_root, const MoveRecord& rec);
// The journal of `src_root`, if there is one that holds a record.
bool journal_read(int src_root, MoveRecord& rec);
// Removes it (fsync dir). 0 or -errno.
int journal_clear(int src_root);

// Start-up recovery over every branch (path, O_PATH root fd): for each journal, the staged copy
// still in staging is deleted; a copy already renamed into place (inode matches) is kept and
// the source unlinked if it is still the same file, or the copy removed if the source changed;
// nothing else is touched. Then every staging folder is emptied of temp files. Returns one line
// per action, for the log. A branch with fd -1 is skipped (a record on another branch that
// points at it is kept). Once `abandoned` is set (the start-up stopped waiting for a hung
// branch), no further step starts; one already under way may still finish.
std::vector<std::string> recover_moves(const std::vector<std::pair<std::string, int>>& branches,
                                       const std::atomic<bool>* abandoned = nullptr);

}  // namespace mfs
