// branches-mount-timeout: waiting at start-up until the branch disks look mounted.
#include "tools/mergerfs/mount_wait.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "messages/fuse_path.hpp"

namespace mfs::bridge {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(333);

// The `user.mergerfs.<name>` xattr or a `.mergerfs.<name>` file in the branch root.
bool has_marker(const std::string& dir, const std::string& name) {
  if (::lgetxattr(dir.c_str(), ("user.mergerfs." + name).c_str(), nullptr, 0) >= 0) return true;
  struct stat st {};
  return ::lstat((dir + "/.mergerfs." + name).c_str(), &st) == 0;
}

bool branch_is_mounted(const std::string& path, dev_t bare_dev) {
  if (has_marker(path, "branch")) return true;
  if (has_marker(path, "branch_mounts_here")) return false;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return st.st_dev != bare_dev;
}

// The device an unmounted branch directory shows: the bare mountpoint's, which is its parent
// directory's. (The mountpoint itself may already be covered by a mount, an old instance during
// a live upgrade or a dead one, and every branch would differ from that.)
bool bare_device(const std::string& mountpoint, dev_t& dev) {
  struct stat parent {};
  if (::stat(std::string(parent_of(mountpoint)).c_str(), &parent) != 0) return false;
  dev = parent.st_dev;
  return true;
}

// `mount PATH`, quietly, in the background: fstab may know how to mount the branch.
pid_t start_mount(const std::string& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0)
      for (int fd : {0, 1, 2}) ::dup2(null, fd);
    ::execlp("mount", "mount", path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

void reap(std::vector<pid_t>& children, bool kill_left) {
  for (auto it = children.begin(); it != children.end();) {
    if (kill_left) ::kill(*it, SIGKILL);
    int status = 0;
    if (::waitpid(*it, &status, kill_left ? 0 : WNOHANG) != 0) it = children.erase(it);
    else ++it;
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

int wait_for_branches(const config::Config& cfg, std::string& error) {
  if (cfg.branches_mount_timeout == 0) return 0;
  dev_t bare = 0;
  if (!bare_device(cfg.mountpoint, bare)) {
    syslog(LOG_WARNING, "branches-mount-timeout: cannot stat %s; not waiting",
           std::string(parent_of(cfg.mountpoint)).c_str());
    return 0;
  }
  std::vector<std::string> pending;
  for (const auto& b : cfg.branches)
    if (!branch_is_mounted(b.path, bare)) pending.push_back(b.path);
  if (pending.empty()) return 0;

  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(cfg.branches_mount_timeout);
  syslog(LOG_NOTICE, "branches-mount-timeout: waiting up to %llu s for %zu of %zu branches: %s",
         static_cast<unsigned long long>(cfg.branches_mount_timeout), pending.size(),
         cfg.branches.size(), join(pending).c_str());
  std::vector<pid_t> mounters;
  for (const auto& p : pending)
    if (pid_t pid = start_mount(p); pid > 0) mounters.push_back(pid);

  for (;;) {
    reap(mounters, false);
    auto now_mounted = std::stable_partition(pending.begin(), pending.end(), [&](const std::string& p) {
      return !branch_is_mounted(p, bare);
    });
    for (auto it = now_mounted; it != pending.end(); ++it)
      syslog(LOG_INFO, "branches-mount-timeout: %s is mounted", it->c_str());
    pending.erase(now_mounted, pending.end());
    const auto now = Clock::now();
    if (pending.empty()) {
      syslog(LOG_NOTICE, "branches-mount-timeout: all branches mounted after %.1f s",
             std::chrono::duration<double>(now - start).count());
      reap(mounters, true);
      return 0;
    }
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(kPollInterval, deadline - now));
  }
  reap(mounters, true);

  const std::string missing = join(pending);
  const auto secs = static_cast<unsigned long long>(cfg.branches_mount_timeout);
  if (cfg.branches_mount_timeout_fail) {
    error = "branches-mount-timeout: not mounted after " + std::to_string(secs) + " s: " + missing;
    syslog(LOG_ERR, "%s; exiting (branches-mount-timeout-fail)", error.c_str());
    return -ETIMEDOUT;
  }
  syslog(LOG_WARNING, "branches-mount-timeout: not mounted after %llu s: %s; continuing", secs,
         missing.c_str());
  return 0;
}

}  // namespace mfs::bridge
