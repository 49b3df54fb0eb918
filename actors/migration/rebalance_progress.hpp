// The figures of a rebalance run (current or last) and their JSON, as the stats dump,
// user.mergerfs.rebalance and mergerfs-ctl read them. No CAF.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "policy/rebalance_plan.hpp"

namespace mfs {

struct RebalanceProgress {
  std::string state = "idle";
  bool dry_run = false;
  double threshold = 0;
  double spread = 0;  // percentage points, last measured
  uint64_t planned_files = 0, planned_bytes = 0;
  uint64_t moved_files = 0, moved_bytes = 0;
  uint64_t skipped_open = 0, skipped_links = 0, skipped_copies = 0;
  uint64_t failed = 0;
  std::string current;
  uint64_t current_bytes = 0, current_size = 0;
  int64_t started_ms = 0, finished_ms = 0;
  std::string last_error;
  std::vector<policy::RebalanceMove> plan;  // the dry run's plan
};

// {"state":..., "planned":..., ...} with elapsed time, rate and ETA as of `now_ms`; a dry
// run's plan (up to ~48 KB) only when asked, as the stats detail must stay under 64 KiB.
// Figures in percent and seconds have two decimals.
std::string rebalance_progress_json(const RebalanceProgress& p, int64_t now_ms, bool with_plan);

}  // namespace mfs
