// The daemon proper, in the (possibly forked) child: mount, report to the parent, serve, shut
// down in order.
#pragma once
#include "config/config.hpp"

namespace mfs::daemon {

// Mounts, writes one status byte (0 mounted, 1 failed) to `report_fd` (-1: foreground, no
// parent waiting), serves until unmounted or signalled, then shuts down: loop ended -> actors
// stop (pending guards answer) -> unmount -> destroy. Returns the exit status.
int run_daemon(config::Config cfg, const config::ParseOutcome& parsed, bool fuse_debug,
               int report_fd);

}  // namespace mfs::daemon
