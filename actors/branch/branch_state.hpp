// One branch's live state, owned by its branch actor and read lock-free by FUSE threads:
// root fd, health, free space (refreshed figures minus bytes written since), counters.
#pragma once
#include <sys/statvfs.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/branch/branch_executor.hpp"
#include "actors/branch/exist_cache.hpp"
#include "actors/branch/parent_dir_cache.hpp"
#include "messages/branch_status.hpp"

namespace mfs {

struct BranchCounters {
  std::atomic<uint64_t> inline_ops{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> lstat_calls{0};
  std::atomic<uint64_t> creates_chosen{0};
  // Requests answered EIO with no syscall: the branch was slow or failed, or every slot and
  // the executor's queue were taken (fuse-bridge/branch_call, fanout).
  std::atomic<uint64_t> refused{0};
};

class BranchState {
 public:
  // A branch syscall in flight on a FUSE thread. Not admitted when the branch's in-flight cap
  // is reached: the caller then treats the branch as unhealthy for this request.
  class OpGuard {
   public:
    OpGuard(BranchState* rt, int slot) : rt_(rt), slot_(slot) {}
    OpGuard(OpGuard&& o) noexcept : rt_(o.rt_), slot_(o.slot_) { o.slot_ = -1; }
    OpGuard(const OpGuard&) = delete;
    OpGuard& operator=(const OpGuard&) = delete;
    ~OpGuard() {
      if (slot_ >= 0) rt_->inflight_[static_cast<size_t>(slot_)].store(0, std::memory_order_release);
    }
    bool admitted() const { return slot_ >= 0; }

   private:
    BranchState* rt_;
    int slot_;
  };
  static constexpr size_t kInflightCap = 8;

  // Opens the root (O_PATH) and reads free space once. A missing root leaves the branch failed
  // until a probe finds it (refresh_space).
  explicit BranchState(std::string path);
  // Touches nothing: the branch starts failed and its probe opens the root once the path
  // answers (one that did not answer at start-up, actors/coordinator/startup_branches).
  struct NotOpened {};
  BranchState(std::string path, NotOpened);
  ~BranchState();
  BranchState(const BranchState&) = delete;
  BranchState& operator=(const BranchState&) = delete;

  const std::string& path() const { return path_; }
  // May change when a probe reopens the root; a descriptor once returned stays open until the
  // branch is destroyed, so a syscall that read it just before the reopen still works.
  int root_fd() const { return root_fd_.load(std::memory_order_acquire); }

  BranchHealth health() const { return health_.load(std::memory_order_relaxed); }
  // Usable for search, readdir, statfs and create: ok, or merely detected read-only.
  bool healthy() const {
    auto h = health();
    return h == BranchHealth::ok || h == BranchHealth::readonly;
  }
  OpGuard track();
  // A slot, waiting (in 1 ms sleeps, never in a syscall) while every slot is held by syscalls
  // that are still young; not admitted once the branch looks stuck. The cap then holds: a
  // frozen branch keeps at most kInflightCap threads inside it, so it cannot take every FUSE
  // worker (the loop has kInflightCap per branch beyond read-thread-count).
  OpGuard admit();
  // Start time (steady ns) of the oldest syscall in flight, 0 if none.
  int64_t oldest_inflight_ns() const;
  size_t inflight() const;
  // The cap is reached and the oldest syscall has been out for a while: a busy branch is
  // served anyway, a stuck one is skipped (a FUSE thread spent there is not coming back).
  bool looks_stuck() const;
  // A syscall in flight is older than branch-deadline: the branch is late now, even before
  // its actor's next tick marks it slow (a tick can lag on a loaded machine, and a request run
  // again after its deadline must not be the next to join the late syscall).
  bool overdue() const;
  void set_deadline(double seconds) {
    deadline_ns_.store(seconds > 0 ? static_cast<int64_t>(seconds * 1e9) : 0, std::memory_order_relaxed);
  }
  // A syscall answered `err` (-errno): one that means the branch itself is gone (ENOTCONN,
  // ENODEV) fails it; EIO or ESTALE, which one file can cause, and a full or read-only
  // branch ask for a root probe (refresh_wanted), whose result sets the health.
  void note_error(int err);
  void set_health(BranchHealth h) { health_.store(h, std::memory_order_relaxed); }

  // Free space as policies see it: the last statvfs minus bytes written through the pool since.
  uint64_t avail() const;
  uint64_t used() const;
  uint64_t total() const { return total_.load(std::memory_order_relaxed); }
  bool statvfs_ok() const { return statvfs_ok_.load(std::memory_order_relaxed); }
  bool readonly_fs() const { return readonly_fs_.load(std::memory_order_relaxed); }
  void note_written(uint64_t bytes) { written_.fetch_add(bytes, std::memory_order_relaxed); }
  // The root's last statvfs (free blocks less the bytes written through the pool since) and
  // its device, so statfs answers with no syscall on a FUSE thread; false while the last
  // statvfs failed.
  bool last_statvfs(struct statvfs& sv, dev_t& dev) const;
  // Checks that the path still leads to the open root, reopens it where the branch came back
  // (reopen_root), then statvfs on the root; returns 0 or -errno. Called by the branch actor's
  // probe thread, one at a time.
  int refresh_space();
  // Root reopens since start (the stats dump shows them).
  uint64_t root_reopens() const { return reopens_.load(std::memory_order_relaxed); }

  BranchCounters counters;
  BranchExecutor executor;  // this branch's syscalls while it is busy (fuse-bridge/branch_call)
  ExistCache cache;
  fs::ParentDirCache dirs;  // parent-directory fds for probes, same TTL as `cache`
  std::atomic<bool> refresh_wanted{false};  // set on EIO/ESTALE/ENOSPC/EDQUOT/EROFS

 private:
  // The path leads to another directory than the open root (or the root never opened): 0 once
  // the new one is open, -ENODEV while the path is only the empty mountpoint a branch disk
  // was unmounted from (so nothing is written onto the disk underneath), -errno otherwise.
  int reopen_root(const struct stat& now);

  std::string path_;
  std::atomic<int> root_fd_{-1};
  // Identity of the open root; written only by the probe thread (and the constructor).
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool mount_root_ = false;  // the open root is a mount point (its parent is on another device)
  std::mutex retired_mu_;
  std::vector<int> retired_fds_;  // earlier roots, closed with the branch
  std::atomic<uint64_t> reopens_{0};
  std::atomic<int64_t> deadline_ns_{0};  // branch-deadline; 0: none
  std::atomic<BranchHealth> health_{BranchHealth::ok};
  std::atomic<uint64_t> avail_{0};
  std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<bool> statvfs_ok_{false};
  std::atomic<bool> readonly_fs_{false};
  mutable std::mutex statvfs_mu_;  // the probe thread writes, statfs reads (a copy each)
  struct statvfs statvfs_ {};
  dev_t statvfs_dev_ = 0;
  std::array<std::atomic<int64_t>, kInflightCap> inflight_{};
};

}  // namespace mfs
