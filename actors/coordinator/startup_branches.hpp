// Start-up with a hung branch (a FUSE branch frozen, a dead NFS mount): the first snapshot's
// branches are opened, and the moves an earlier run left unfinished recovered, off the main
// thread and under the branch deadline (messages/run_with_deadline.hpp), so that no branch can
// hold the coordinator or the mount. No CAF in this header.
#pragma once
#include "actors/coordinator/pool_snapshot.hpp"
#include "actors/coordinator/prepared_write.hpp"

namespace mfs {

// Every branch of `cfg`, opened (BranchState's constructor stats, opens and statvfs's its root)
// each on a thread of its own, for up to cfg.branch_deadline. One that did not answer in time
// gets a BranchState that never touched its path (NotOpened): failed until its probe opens it.
OpenedBranches open_startup_branches(const config::Config& cfg);

// recover_moves over the open branches of `snap`, on a thread of its own for up to `deadline_s`.
// Logs what it did, and what is left for the next start: the journals and staging folders of
// branches that are not open, and everything not reached when the deadline passed.
void recover_startup_moves(SnapshotPtr snap, double deadline_s);

}  // namespace mfs
