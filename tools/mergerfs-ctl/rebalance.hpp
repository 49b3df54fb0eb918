// mergerfs-ctl rebalance: start (or dry-run) a rebalance through cmd.rebalance, and show its
// progress (user.mergerfs.rebalance, also in the coordinator's stats detail).
#pragma once
#include <string>

#include "tools/mergerfs-ctl/control.hpp"
#include "tools/mergerfs-ctl/json_view.hpp"

namespace mfs::ctl {

struct RebalanceArgs {
  double threshold = -1;  // < 0: leave rebalance.threshold as it is
  bool dry_run = false;
  bool wait = false;
};

// Exit code: 0 started (or done, with --wait / --dry-run), 1 stopped or failed.
int cmd_rebalance(const ControlFile& cf, const RebalanceArgs& args);
// One line: state, files and bytes moved of planned, skipped, failed, spread, rate, ETA.
std::string describe_rebalance(const JsonView& progress);

}  // namespace mfs::ctl
