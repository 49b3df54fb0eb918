// How the daemon ends: exit signals (SIGINT, SIGTERM, SIGQUIT) handled on the main thread only,
// and a watchdog that exits the process within seconds even when a worker is stuck in a hung
// branch's syscall.
#pragma once
#include <signal.h>

#include <string>
#include <thread>

namespace mfs::bridge {
class Session;
}

namespace mfs::daemon {

// The exit signals: blocked in every thread but the main one, which runs the loop.
sigset_t exit_signals();
// Handlers for the exit signals (they end `session`'s loop) and for SIGHUP/SIGUSR1/SIGUSR2
// (ignored). `session` must outlive the daemon's loop.
void install_signals(bridge::Session& session);
// Waits for an exit signal or the session's own end, then gives the clean shutdown
// `deadline_s` + 2 s before it detaches the mount and _exits. Join it after
// shutdown_complete().
std::thread start_watchdog(bridge::Session& session, std::string mountpoint, double deadline_s);
// The clean shutdown is over: the watchdog returns.
void shutdown_complete();

}  // namespace mfs::daemon
