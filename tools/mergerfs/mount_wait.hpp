// branches-mount-timeout (FEATURES §5.4): at start-up, wait for the branch disks to be mounted.
#pragma once
#include <string>

namespace mfs::config {
struct Config;
}

namespace mfs::bridge {

// With branches-mount-timeout > 0: checks every branch with mergerfs's "is mounted" test (the
// `user.mergerfs.branch` xattr or a `.mergerfs.branch` file means yes; the
// `..branch_mounts_here` marker means no; otherwise yes when its st_dev differs from the bare
// mountpoint's, taken from its parent directory), runs `mount BRANCH` once for each that is not (fstab may know it), then polls
// every 333 ms until all are mounted or the timeout passes. Progress goes to syslog.
// Returns 0 when all are mounted, when the timeout is 0, or when it timed out without
// branches-mount-timeout-fail (a warning is logged); -ETIMEDOUT with `error` naming the
// missing branches when it timed out with it. Call before the session and the actors start:
// it forks.
int wait_for_branches(const mfs::config::Config& cfg, std::string& error);

}  // namespace mfs::bridge
