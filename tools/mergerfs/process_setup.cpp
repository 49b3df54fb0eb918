// Process set-up: limits, signals that must not kill, OOM score, a dead mount cleaned.
#include "tools/mergerfs/process_setup.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <syslog.h>
#include <unistd.h>

#include "config/config.hpp"

namespace mfs::daemon {

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

// statfs, not stat: the kernel answers stat from its attribute cache for cache.attr seconds
// after the old daemon died, statfs always asks the daemon.
void clean_dead_mount(const std::string& mp) {
  struct statfs sfs {};
  if (::statfs(mp.c_str(), &sfs) < 0 && errno == ENOTCONN) {
    ::umount2(mp.c_str(), MNT_DETACH);
    syslog(LOG_NOTICE, "cleaned up a dead mount on %s", mp.c_str());
  }
}

}  // namespace mfs::daemon
