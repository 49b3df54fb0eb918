// Process set-up before the pool starts: what mergerfs does to the process, and a dead mount
// left on the mountpoint by an earlier daemon.
#pragma once
#include <string>

namespace mfs::config {
struct Config;
}

namespace mfs::daemon {

// The caller's umask is applied per request (umask 0 here), no SIGPIPE deaths, many open
// files, the OOM killer looks elsewhere first, scheduling-priority applied.
void setup_process(const config::Config& cfg);
// A dead FUSE mount ("transport endpoint is not connected") on the mountpoint is detached.
void clean_dead_mount(const std::string& mountpoint);

}  // namespace mfs::daemon
