// The move itself runs on a migration actor's thread: policy pick, copy, descriptor swap for
// every handle of the node, source unlink, write retry. On any failure the source is untouched
// and the write gets its original error.
#include "fuse-bridge/move_on_enospc.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <vector>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/file_mover.hpp"
#include "config/config.hpp"
#include "actors/branch/branch_probe.hpp"
#include "fuse-bridge/fanout.hpp"
#include "policy/policy.hpp"

namespace mfs::bridge {
namespace {

struct MoveJob {
  Bridge* bridge;
  ReplyPtr reply;
  std::shared_ptr<FileHandle> handle;
  std::vector<char> data;
  off_t off;
  int original_err;  // -errno of the failed write
};

ssize_t retry_write(FileHandle& h, const MoveJob& job) {
  ssize_t n = ::pwrite(h.fd, job.data.data(), job.data.size(), job.off);
  if (n > 0) h.branch->note_written(static_cast<uint64_t>(n));
  return n;
}

// A branch with room for the whole file, chosen by the moveonenospc policy.
std::optional<size_t> pick_target(const PoolSnapshot& snap, const std::string& path,
                                  const BranchState* current, uint64_t need) {
  BranchProbe probe(snap);
  auto facts = branch_facts(snap);
  for (size_t i = 0; i < snap.branches.size(); ++i)
    if (snap.branches[i].rt.get() == current) facts[i].healthy = false;  // not back to itself
  auto pick = policy::create(snap.config->moveonenospc.policy, facts, probe, parent_of(path),
                             policy::default_random());
  if (!pick.ok()) return std::nullopt;
  for (size_t t : pick.branches)
    if (snap.branches[t].rt->avail() > need) return t;
  return std::nullopt;
}

void run_move(MoveJob& job) {
  Bridge& b = *job.bridge;
  FileHandle& h = *job.handle;
  std::unique_lock lk(*h.io);  // later writes to this file wait for the move
  // Another writer may have moved the file already.
  if (ssize_t n = retry_write(h, job); n >= 0) return job.reply->write(static_cast<size_t>(n));
  if (errno != ENOSPC && errno != EDQUOT) return job.reply->result(-errno);
  auto snap = b.snapshot();
  auto path = b.nodes().path(h.node);
  struct stat st {};
  if (!path || ::fstat(h.fd, &st) < 0) return job.reply->result(job.original_err);
  auto target = pick_target(*snap, *path, h.branch.get(), static_cast<uint64_t>(st.st_size));
  if (!target) return job.reply->result(job.original_err);
  const BranchSlot& dst = snap->branches[*target];
  std::shared_ptr<BranchState> src = h.branch;
  if (int r = fs::copy_to_branch(src->root_fd(), dst.rt->root_fd(), *path); r < 0) {
    syslog(LOG_WARNING, "moveonenospc: %s to %s failed: %s", path->c_str(), dst.path.c_str(),
           strerror(-r));
    return job.reply->result(job.original_err);
  }
  // Every handle of the node follows the file: same descriptor numbers, new branch.
  for (auto& other : b.handles_of(h.node)) {
    int fd = fs::open(dst.rt->root_fd(), *path, other->flags & ~(O_CREAT | O_TRUNC | O_EXCL));
    if (fd < 0) continue;
    ::dup2(fd, other->fd);
    ::close(fd);
    other->branch = dst.rt;
    other->branch_path = dst.path;
  }
  fs::unlink(src->root_fd(), *path);
  src->cache.put(*path, false);
  dst.rt->cache.put(*path, true);
  src->refresh_wanted = true;
  syslog(LOG_NOTICE, "moveonenospc: moved %s from %s to %s", path->c_str(), src->path().c_str(),
         dst.path.c_str());
  ssize_t n = retry_write(h, job);
  if (n < 0) return job.reply->result(-errno);
  job.reply->write(static_cast<size_t>(n));
}

}  // namespace

void start_move(Bridge& b, Reply& reply, FileHandle& h, const char* buf, size_t size, off_t off,
                int original_err) {
  std::shared_ptr<FileHandle> self;
  for (auto& x : b.handles_of(h.node))
    if (x.get() == &h) self = x;
  if (!self) return reply.result(original_err);
  auto job = std::make_shared<MoveJob>(
      MoveJob{&b, reply.transfer(), self, std::vector<char>(buf, buf + size), off, original_err});
  b.migrations()->submit("moveonenospc", [job] { run_move(*job); });
}

}  // namespace mfs::bridge
