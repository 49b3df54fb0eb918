// Root fd and free-space figures of one branch.
#include "actors/branch/branch_state.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "messages/clock.hpp"

namespace mfs {

namespace {

// The directory's parent is on another device: the directory is where a filesystem is mounted.
bool is_mount_root(const std::string& path, const struct stat& st) {
  struct stat parent {};
  return ::stat((path + "/..").c_str(), &parent) == 0 && parent.st_dev != st.st_dev;
}

}  // namespace

BranchState::BranchState(std::string path) : path_(std::move(path)) {
  struct stat now {};
  if (::stat(path_.c_str(), &now) < 0 || reopen_root(now) < 0) {
    health_ = BranchHealth::failed;
    return;
  }
  reopens_.store(0, std::memory_order_relaxed);
  refresh_space();
}

BranchState::BranchState(std::string path, NotOpened) : path_(std::move(path)) {
  health_ = BranchHealth::failed;
}

BranchState::~BranchState() {
  if (int fd = root_fd(); fd >= 0) ::close(fd);
  for (int fd : retired_fds_) ::close(fd);
}

int BranchState::reopen_root(const struct stat& now) {
  // A branch that was a mounted disk and whose path is now a plain directory of the parent
  // filesystem has lost its disk: writing there would fill the disk underneath (mergerfs's
  // best-known surprise). It comes back when something is mounted there again.
  bool mount_root = is_mount_root(path_, now);
  if (mount_root_ && !mount_root) return -ENODEV;
  int fd = ::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st {};
  if (::fstat(fd, &st) < 0) {
    int err = -errno;
    ::close(fd);
    return err;
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  mount_root_ = mount_root;
  int old = root_fd_.exchange(fd, std::memory_order_acq_rel);
  if (old >= 0) {
    std::lock_guard lk(retired_mu_);
    retired_fds_.push_back(old);
  }
  // What the caches hold was learnt in the old tree.
  cache.clear();
  dirs.clear();
  reopens_.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

uint64_t BranchState::avail() const {
  uint64_t a = avail_.load(std::memory_order_relaxed);
  uint64_t w = written_.load(std::memory_order_relaxed);
  return a > w ? a - w : 0;
}

uint64_t BranchState::used() const {
  uint64_t t = total();
  uint64_t a = avail();
  return t > a ? t - a : 0;
}

int BranchState::refresh_space() {
  // The root stays open, so a branch whose filesystem is lazily unmounted (or whose directory
  // is replaced) would keep "working" on a detached tree nobody else can reach, and lose what
  // is written there. The path must still lead to the directory that was opened; where it
  // leads to another one (the disk remounted, the directory made again), that one is opened.
  struct stat now {};
  if (::stat(path_.c_str(), &now) < 0) return -errno;
  if (root_fd() < 0 || now.st_dev != dev_ || now.st_ino != ino_) {
    if (int r = reopen_root(now); r < 0) return r;
  }
  struct statvfs sv {};
  if (::fstatvfs(root_fd(), &sv) < 0) {
    statvfs_ok_ = false;
    return -errno;
  }
  uint64_t avail = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
  uint64_t used = static_cast<uint64_t>(sv.f_blocks - sv.f_bavail) * sv.f_frsize;
  avail_.store(avail, std::memory_order_relaxed);
  total_.store(avail + used, std::memory_order_relaxed);
  written_.store(0, std::memory_order_relaxed);
  readonly_fs_ = (sv.f_flag & ST_RDONLY) != 0;
  {
    std::lock_guard lk(statvfs_mu_);
    statvfs_ = sv;
    statvfs_dev_ = dev_;
  }
  statvfs_ok_ = true;
  return 0;
}

bool BranchState::last_statvfs(struct statvfs& sv, dev_t& dev) const {
  if (!statvfs_ok()) return false;
  {
    std::lock_guard lk(statvfs_mu_);
    sv = statvfs_;
    dev = statvfs_dev_;
  }
  // The free space policies see (avail()), in the branch's own fragments.
  uint64_t frag = sv.f_frsize ? sv.f_frsize : 1;
  uint64_t written = (written_.load(std::memory_order_relaxed) + frag - 1) / frag;
  sv.f_bavail -= std::min<uint64_t>(sv.f_bavail, written);
  sv.f_bfree -= std::min<uint64_t>(sv.f_bfree, written);
  return true;
}


BranchState::OpGuard BranchState::track() {
  static thread_local size_t start = std::hash<std::thread::id>{}(std::this_thread::get_id());
  int64_t now = steady_ns();
  for (size_t i = 0; i < kInflightCap; ++i) {
    size_t slot = (start + i) % kInflightCap;
    int64_t expected = 0;
    if (inflight_[slot].compare_exchange_strong(expected, now, std::memory_order_acq_rel))
      return OpGuard(this, static_cast<int>(slot));
  }
  return OpGuard(this, -1);
}

BranchState::OpGuard BranchState::admit() {
  if (overdue()) return OpGuard(this, -1);
  for (;;) {
    OpGuard g = track();
    if (g.admitted() || looks_stuck()) return g;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

int64_t BranchState::oldest_inflight_ns() const {
  int64_t oldest = 0;
  for (const auto& s : inflight_) {
    int64_t t = s.load(std::memory_order_acquire);
    if (t && (!oldest || t < oldest)) oldest = t;
  }
  return oldest;
}

bool BranchState::looks_stuck() const {
  int64_t oldest = oldest_inflight_ns();
  return oldest && steady_ns() - oldest > 100 * 1000 * 1000;
}

bool BranchState::overdue() const {
  int64_t deadline = deadline_ns_.load(std::memory_order_relaxed);
  int64_t oldest = oldest_inflight_ns();
  return deadline > 0 && oldest && steady_ns() - oldest > deadline;
}

size_t BranchState::inflight() const {
  size_t n = 0;
  for (const auto& s : inflight_)
    if (s.load(std::memory_order_relaxed)) ++n;
  return n;
}

void BranchState::note_error(int err) {
  if (err == -ENOTCONN || err == -ENODEV) {
    // The transport or the device itself is gone: nothing on this branch can answer.
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    set_health(BranchHealth::failed);
  } else if (err == -EIO || err == -ESTALE) {
    // May be one bad file (a bad sector, a stale NFS handle): the branch actor probes the
    // root at its next tick, and that probe decides whether the whole branch has failed.
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    refresh_wanted.store(true, std::memory_order_relaxed);
  } else if (err == -ENOSPC || err == -EDQUOT || err == -EROFS) {
    refresh_wanted.store(true, std::memory_order_relaxed);
  }
}

}  // namespace mfs
