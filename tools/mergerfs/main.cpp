// The mergerfs daemon: command line, daemonizing, process set-up, mount, loop, shutdown.
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "actors/coordinator/pool_actors.hpp"
#include "config/config.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/control_file.hpp"
#include "tools/mergerfs/mount_wait.hpp"
#include "fuse-bridge/readahead.hpp"
#include "fuse-bridge/session.hpp"

namespace {

using namespace mfs;

struct CommandLine {
  bool foreground = false;
  bool fuse_debug = false;
  std::vector<std::string> opts;
  std::vector<std::string> positional;
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "mergerfs: ERROR - %s\n", msg.c_str());
  std::exit(1);
}

// Builds the config from -o strings and positional arguments, in mergerfs's order.
config::Config build_config(const CommandLine& cl, config::ParseOutcome& out) {
  config::Config cfg;
  for (const auto& o : cl.opts) config::apply_option_string(cfg, o, out);
  std::vector<std::string> pos = cl.positional;
  if (cfg.mountpoint.empty() && !pos.empty()) {
    cfg.mountpoint = pos.back();
    pos.pop_back();
  }
  for (const auto& p : pos) config::apply_option(cfg, "branches=+>" + p, out);
  return cfg;
}

// Process set-up mergerfs does: the caller's umask is applied per request, no SIGPIPE deaths,
// many open files, and the OOM killer looks elsewhere first.
void setup_process(const config::Config& cfg) {
  ::umask(0);
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); fd >= 0) {
    (void)!::write(fd, "-990", 4);
    ::close(fd);
  }
  ::setpriority(PRIO_PROCESS, 0, cfg.scheduling_priority);
}

// A dead FUSE mount ("transport endpoint is not connected") on the mountpoint is cleaned up.
// statfs, not stat: the kernel answers stat from its attribute cache for cache.attr seconds
// after the old daemon died, statfs always asks the daemon.
void clean_dead_mount(const std::string& mp) {
  struct statfs sfs {};
  if (::statfs(mp.c_str(), &sfs) < 0 && errno == ENOTCONN) {
    ::umount2(mp.c_str(), MNT_DETACH);
    syslog(LOG_NOTICE, "cleaned up a dead mount on %s", mp.c_str());
  }
}

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

void ignore_signal(int) {}

sem_t g_exit_sem;
std::atomic<bool> g_done{false};
bridge::Session* g_session = nullptr;  // set before exit signals are unblocked

// Runs on the main thread only (the others block these signals): setting the exit flag here
// lets the loop see it when the signal interrupts its wait, so the exit is the clean one.
void on_exit_signal(int) {
  if (g_session) g_session->exit_from_signal();  // sets a flag: async-signal-safe, no lock
  sem_post(&g_exit_sem);
}

// SIGINT, SIGTERM, SIGQUIT: blocked in every thread but the main one, which runs the loop.
sigset_t exit_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGQUIT}) sigaddset(&set, s);
  return set;
}

// Closes every /dev/fuse descriptor. A thread stuck in a hung branch (uninterruptible) keeps
// the process, and so its descriptors, alive after _exit; without its descriptors the
// connection ends anyway, and requests waiting on the pool fail with ENOTCONN.
void close_fuse_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return;
  std::vector<int> fds;
  while (dirent* e = ::readdir(d)) {
    char target[64] = {};
    const std::string link = std::string("/proc/self/fd/") + e->d_name;
    if (::readlink(link.c_str(), target, sizeof target - 1) > 0 && std::strcmp(target, "/dev/fuse") == 0)
      fds.push_back(std::atoi(e->d_name));
  }
  ::closedir(d);
  for (int fd : fds) ::close(fd);
}

// Exit within seconds even when a worker thread is stuck in a hung branch's syscall: once the
// session has ended and the deadline passes, detach the mount and leave. Joined after a clean
// shutdown (it references the session, which lives on run_daemon's stack).
std::thread start_watchdog(bridge::Session& session, std::string mountpoint, double deadline_s) {
  return std::thread([&session, mountpoint, deadline_s] {
    // Woken by a signal, or by noticing the session ended on its own (umount).
    for (;;) {
      timespec ts{};
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 100 * 1000 * 1000;
      if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000;
      }
      if (sem_timedwait(&g_exit_sem, &ts) == 0 || session.exited()) break;
    }
    session.exit();
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(static_cast<int>(deadline_s * 1000) + 2000);
    while (std::chrono::steady_clock::now() < until) {
      if (g_done) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (session.owns_mountpoint()) {
      syslog(LOG_WARNING, "shutdown is stuck (a hung branch?); detaching %s and exiting",
             mountpoint.c_str());
      ::umount2(mountpoint.c_str(), MNT_DETACH);
    } else {
      syslog(LOG_WARNING, "shutdown is stuck (a hung branch?); exiting");
    }
    close_fuse_fds();
    ::_exit(0);
  });
}

void install_signals() {
  sem_init(&g_exit_sem, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = on_exit_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGQUIT}) sigaction(s, &sa, nullptr);
  sa.sa_handler = ignore_signal;
  for (int s : {SIGHUP, SIGUSR1, SIGUSR2}) sigaction(s, &sa, nullptr);
}

// Runs in the (possibly forked) daemon: mount, tell the parent, serve, shut down in order.
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
  // Workers are started on demand; the headroom beyond one branch's in-flight cap keeps a
  // hung branch from taking every worker.
  mo.max_threads = cfg.read_thread_count > 0 ? static_cast<unsigned>(cfg.read_thread_count) : 16;
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
  g_session = &session;
  install_signals();
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
  g_done = true;
  sem_post(&g_exit_sem);
  watchdog.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cl;
  CLI::App app{"mergerfs: a union filesystem (actor edition)", "mergerfs"};
  app.set_help_flag("-h,--help", "print this help and exit");
  app.add_flag("-f", cl.foreground, "run in the foreground");
  app.add_flag("-d", cl.fuse_debug, "FUSE debug trace (implies -f)");
  app.add_option("-o", cl.opts, "options: key=value[,key=value...]")->allow_extra_args(false);
  app.add_option("args", cl.positional, "BRANCHES MOUNTPOINT");
  bool version = false;
  app.add_flag("-v,-V,--version", version, "print the version and exit");
  app.footer("Every option is given with -o; see README.md for the table.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version) {
    std::printf("mergerfs v%s (actor edition)\n", MERGERFS_VERSION);
    return 0;
  }
  openlog("mergerfs", LOG_PID, LOG_DAEMON);
  {
    std::string line;
    for (int i = 0; i < argc; ++i) line += (i ? " " : "") + std::string(argv[i]);
    syslog(LOG_INFO, "mergerfs v%s (actor edition) starting: %s", MERGERFS_VERSION, line.c_str());
  }

  config::ParseOutcome parsed;
  config::Config cfg = build_config(cl, parsed);
  if (!parsed.errors.empty()) {
    for (const auto& n : parsed.notices) syslog(LOG_NOTICE, "%s", n.c_str());
    for (const auto& e : parsed.errors) std::fprintf(stderr, "%s\n", config::format_error(e).c_str());
    return 1;
  }
  config::apply_mount_fixups(cfg, parsed.notices);
  // Notices (dropped unknown keys, ignored overrides) go to syslog and to whoever ran the
  // command: the caller's terminal, or the log of a foreground service.
  for (const auto& n : parsed.notices) {
    syslog(LOG_NOTICE, "%s", n.c_str());
    std::fprintf(stderr, "mergerfs: NOTICE - %s\n", n.c_str());
  }
  if (cl.fuse_debug) cfg.debug = true;
  std::string err;
  if (config::validate_for_mount(cfg, err) != 0) die(err);
  {
    struct stat st {};
    if (::stat(cfg.mountpoint.c_str(), &st) < 0 && errno != ENOTCONN)
      die("mountpoint " + cfg.mountpoint + ": " + std::strerror(errno));
    if (errno != ENOTCONN && !S_ISDIR(st.st_mode)) die("mountpoint " + cfg.mountpoint + " is not a directory");
  }

  if (char* real = ::realpath(cfg.mountpoint.c_str(), nullptr)) {
    cfg.mountpoint = real;
    std::free(real);
  }

  bool foreground = cl.foreground || cl.fuse_debug;
  if (foreground) return run_daemon(std::move(cfg), parsed, cl.fuse_debug, -1);

  // Fork before anything starts threads (CAF threads do not survive fork); the parent waits
  // for the child to report whether the mount worked.
  int pfd[2];
  if (::pipe2(pfd, O_CLOEXEC) < 0) die(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) {
    ::close(pfd[1]);
    char status = 1;
    ssize_t n;
    do {
      n = ::read(pfd[0], &status, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) {
      int ws = 0;
      ::waitpid(pid, &ws, 0);
      return 1;
    }
    return status;
  }
  ::close(pfd[0]);
  ::setsid();
  if (::chdir("/") != 0) {
  }
  int rc = run_daemon(std::move(cfg), parsed, false, pfd[1]);
  return rc;
}
