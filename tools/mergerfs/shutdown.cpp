// Exit signals and the shutdown watchdog.
#include "tools/mergerfs/shutdown.hpp"

#include <dirent.h>
#include <semaphore.h>
#include <sys/mount.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuse-bridge/session.hpp"

namespace mfs::daemon {
namespace {

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

}  // namespace

sigset_t exit_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGQUIT}) sigaddset(&set, s);
  return set;
}

// Joined after a clean shutdown: it references the session, which lives on run_daemon's stack.
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

void install_signals(bridge::Session& session) {
  g_session = &session;
  sem_init(&g_exit_sem, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = on_exit_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGQUIT}) sigaction(s, &sa, nullptr);
  sa.sa_handler = ignore_signal;
  for (int s : {SIGHUP, SIGUSR1, SIGUSR2}) sigaction(s, &sa, nullptr);
}


void shutdown_complete() {
  g_done = true;
  sem_post(&g_exit_sem);
}

}  // namespace mfs::daemon
