// The pool as the rebalance planner sees it: each branch's fill (statvfs, then the run's own
// accounting) and every regular file of each branch, by pool path. Plain syscalls on the
// migration actor's thread.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/coordinator/pool_snapshot.hpp"
#include "policy/rebalance_plan.hpp"

namespace mfs {

// Walks the branch at `root` without following symlinks or leaving its filesystem, skipping
// the staging folder. Unreadable directories are left out.
std::vector<policy::RebalanceFile> scan_branch(const std::string& root);

// Space as a run sees it: measured when a branch is first seen, then changed by the bytes the
// run moves. statvfs lags behind: an unlinked source stays allocated while anything holds it
// open, and re-measuring would move the same bytes twice.
struct Space {
  double used = 0, avail = 0;
};
using SpaceModel = std::map<std::string, Space>;

// The branches taking part (healthy, writable filesystems, not RO) with the model's figures;
// branches seen first are measured and added to the model.
std::vector<policy::RebalanceBranch> modelled_pool(const PoolSnapshot& snap, SpaceModel& model);

// The plan for the pool now: measures, and scans every branch only when the spread calls for
// moves. Paths in `skip` (failed earlier) stay.
policy::RebalancePlan make_plan(const PoolSnapshot& snap, const config::Config& cfg,
                                const std::set<std::string>& skip, SpaceModel& model);

}  // namespace mfs
