// The rebalance scan: every regular file of one branch, by pool path, for the planner. Plain
// syscalls on the migration actor's thread.
#pragma once
#include <string>
#include <vector>

#include "policy/rebalance_plan.hpp"

namespace mfs {

// Walks the branch at `root` without following symlinks or leaving its filesystem, skipping
// the staging folder. Unreadable directories are left out.
std::vector<policy::RebalanceFile> scan_branch(const std::string& root);

}  // namespace mfs
