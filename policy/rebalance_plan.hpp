// The rebalance planner (cmd.rebalance): a pure function from the pool's measured fill and the
// files each branch holds to the list of whole-file moves that brings percent used within the
// threshold. No syscalls: the caller measures and scans, the rebalancer executes.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace mfs::policy {

// One regular file of a branch, by pool path.
struct RebalanceFile {
  std::string path;
  uint64_t size = 0;
  uint64_t charged = 0;  // bytes it occupies (allocated blocks)
  uint64_t nlink = 1;
};

// A branch as the planner sees it: its fill and (once scanned) its files.
struct RebalanceBranch {
  std::string path;
  bool source = false;  // files may leave it (RW, NC)
  bool target = false;  // files may arrive (RW)
  double used = 0, total = 0, avail = 0;
  std::vector<RebalanceFile> files;
  double pct() const { return total > 0 ? 100.0 * used / total : 0; }
};

// The rebalance.* options the plan obeys.
struct RebalanceLimits {
  double threshold = 0;        // percentage points of spread left alone
  std::string include;         // '|'-separated fnmatch patterns; empty: every file
  std::string exclude;         // '|'-separated fnmatch patterns
  uint64_t min_size = 0;       // smaller files stay
  uint64_t max_size = 0;       // larger files stay; 0: no limit
  uint64_t reserve = 1 << 20;  // a target keeps at least this much free after a move
};

struct RebalanceMove {
  std::string path;
  std::string src, dst;  // branch paths
  uint64_t bytes = 0;
  uint64_t charged = 0;  // space it takes (allocated blocks)
};

struct RebalancePlan {
  std::vector<RebalanceMove> moves;
  double spread = 0;  // before the plan
  std::set<std::string> links,
      copies;  // skipped: several hard links, copies on several branches
};

// Percentage points between the fullest and the emptiest branch (0 with fewer than two).
double spread_of(const std::vector<RebalanceBranch> &branches);

// Greedy simulation over `branches` (the ones taking part: healthy, writable filesystems): while
// the spread exceeds the threshold, move from the fullest branch to the emptiest the largest file
// that does not overshoot their balance point (or the smallest that still narrows the gap). Files
// in `skip` (failed earlier), with several links, or whose path appears more than once among
// `branches` and `other_paths` (the files of branches not taking part) stay.
RebalancePlan plan_rebalance(std::vector<RebalanceBranch> branches,
                             const std::vector<std::string> &other_paths,
                             const std::set<std::string> &skip, const RebalanceLimits &limits);

}  // namespace mfs::policy
