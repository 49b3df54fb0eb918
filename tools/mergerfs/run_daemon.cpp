// run_daemon: process set-up, actors, bridge and session wired together, and the shutdown order.
#include "tools/mergerfs/run_daemon.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mount.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

#include "actors/branch/branch_state.hpp"
#include "actors/coordinator/pool_actors.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/control_file.hpp"
#include "fuse-bridge/readahead.hpp"
#include "fuse-bridge/session.hpp"
#include "tools/mergerfs/mount_wait.hpp"
#include "tools/mergerfs/process_setup.hpp"
#include "tools/mergerfs/shutdown.hpp"

namespace mfs::daemon {
namespace {

// What libfuse and the kernel take; everything else the daemon parsed itself.
std::vector<std::string> fuse_options(const config::Config& cfg,
                                      const std::vector<std::string>& passthrough) {
  std::vector<std::string> o = passthrough;
  o.push_back("subtype=mergerfs");
  o.push_back("fsname=" + config::effective_fsname(cfg));
  if (cfg.kernel_permissions_check) o.push_back("default_permissions");
  if (::geteuid() == 0) o.push_back("allow_other");
  std::vector<std::string> out;
  for (auto& s : o)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

}  // namespace

int run_daemon(config::Config cfg, const config::ParseOutcome& parsed, bool fuse_debug,
               int report_fd) {
  auto report = [&](char status) {
    if (report_fd >= 0) {
      (void)!::write(report_fd, &status, 1);
      ::close(report_fd);
      report_fd = -1;
    }
  };
  setup_process(cfg);
  clean_dead_mount(cfg.mountpoint);
  if (std::string werr; bridge::wait_for_branches(cfg, werr) != 0) {
    std::fprintf(stderr, "mergerfs: ERROR - %s\n", werr.c_str());
    report(1);
    return 1;
  }
  if (cfg.lazy_umount_mountpoint) {
    int r = ::umount2(cfg.mountpoint.c_str(), MNT_DETACH);
    syslog(LOG_NOTICE, "lazy umount of %s: %s", cfg.mountpoint.c_str(), r == 0 ? "ok" : strerror(errno));
  }
  for (const auto& line : config::dump(cfg)) syslog(LOG_INFO, "config: %s", line.c_str());

  // Every thread started from here on (CAF, the watchdog, libfuse's workers) inherits this;
  // the main thread unblocks them before the loop.
  const sigset_t exit_sigs = exit_signals();
  pthread_sigmask(SIG_BLOCK, &exit_sigs, nullptr);
  SnapshotStore store;
  auto runtime = PoolActors::start(cfg, store);
  bridge::Bridge bridge(store, cfg.mountpoint);
  bridge.nodes().keep_named_nodes(cfg.never_forget_nodes);
  bridge.control().set_sink(runtime.get());
  bridge.set_migration_sink(runtime.get());
  runtime->set_open_files(&bridge.open_gate());

  bridge::Session session;
  bridge::MountOptions mo;
  mo.mountpoint = cfg.mountpoint;
  mo.fuse_opts = fuse_options(cfg, parsed.passthrough);
  mo.fuse_debug = fuse_debug;
  // Workers are started on demand. By default 16, plus room for every branch's in-flight cap:
  // the branches that hang can hold at most that many workers between them, and the rest of
  // the pool keeps its own. An explicit read-thread-count is the cap the user asked for.
  mo.max_threads = cfg.read_thread_count > 0
                       ? static_cast<unsigned>(cfg.read_thread_count)
                       : 16 + static_cast<unsigned>(BranchState::kInflightCap *
                                                    std::max<size_t>(store.get()->branches.size(), 1));
  std::string err;
  if (session.mount(bridge, mo, err) != 0) {
    std::fprintf(stderr, "mergerfs: ERROR - %s\n", err.c_str());
    runtime->stop();
    report(1);
    return 1;
  }
  bridge.invalidator().start(session.raw());
  if (cfg.readahead > 0) {
    std::vector<std::string> branch_paths;
    for (const auto& b : cfg.branches) branch_paths.push_back(b.path);
    bridge::apply_readahead_after_init(cfg.mountpoint, branch_paths, cfg.readahead);
  }
  install_signals(session);
  std::thread watchdog = start_watchdog(session, cfg.mountpoint, cfg.branch_deadline);
  bool daemonized = report_fd >= 0;
  report(0);
  if (daemonized) {
    // Stdio goes nowhere once the parent has been told; errors go to syslog.
    int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int s : {0, 1, 2}) ::dup2(fd, s);
    if (fd > 2) ::close(fd);
  }
  pthread_sigmask(SIG_UNBLOCK, &exit_sigs, nullptr);
  session.loop();
  // Shutdown order: loop ended -> actors stop (pending guards answer) -> unmount -> destroy.
  bridge.invalidator().stop();
  runtime->stop();
  session.unmount();
  runtime.reset();
  session.destroy();
  shutdown_complete();
  watchdog.join();
  return 0;
}

}  // namespace mfs::daemon
