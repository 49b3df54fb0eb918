// func.readdir=cosr|cor (FEATURES.md §4.6): branch directories are opened (cosr) or opened and
// read (cor) on a small pool of plain threads, so a pool of spinning disks waits for the
// slowest disk once instead of for every disk in turn.
#pragma once
#include <functional>

namespace mfs::bridge {

// Runs `job` on the readdir pool, growing it to `threads` workers with room for
// `threads * depth` queued jobs. False when the queue is full: the caller runs the job itself.
// The pool lives until the process exits (its workers may be stuck in a hung branch).
bool run_on_readdir_pool(unsigned threads, unsigned depth, std::function<void()> job);

}  // namespace mfs::bridge
