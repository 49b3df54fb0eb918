// moveonenospc on the migration actor's thread: policy pick, move, handles follow, retry. On
// any failure before the copy is in place the source is untouched and the write gets its
// original error.
#include "actors/migration/move_on_enospc.hpp"

#include <sys/stat.h>
#include <syslog.h>

#include <cstring>
#include <mutex>

#include "actors/branch/branch_probe.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/file_mover.hpp"
#include "config/config.hpp"
#include "messages/fuse_path.hpp"
#include "messages/migration_sink.hpp"
#include "policy/policy.hpp"

namespace mfs {
namespace {

constexpr int kAttempts = 5;  // a source that keeps changing mid-copy gives up after these

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

// The shared move, replacing whatever is at `path` on dst, restarted while the source changes
// under the copy. The handles follow once the copy is in place, before the source goes.
fs::MoveResult move_with_handles(EnospcWrite& w, const BranchState& src, const BranchSlot& dst,
                                 const std::string& path) {
  fs::MoveHooks hooks;
  hooks.committed = [&] { w.follow(dst, path); };
  fs::MoveResult res{-EAGAIN, fs::MoveStep::copy};
  for (int attempt = 0;
       attempt < kAttempts && !res.committed() && (res.err == -EAGAIN || res.err == -EEXIST);
       ++attempt)
    res = fs::move_file(src.root_fd(), dst.rt->root_fd(), path, fs::staging_name(path), 0, hooks);
  fs::release_staging(dst.rt->root_fd());
  return res;
}

void run_move(EnospcWrite& w, const std::function<SnapshotPtr()>& snapshots, int original_err) {
  std::unique_lock lk(w.io());  // later writes to this file wait for the move
  // Another writer may have moved the file already.
  ssize_t n = w.write_again();
  if (n >= 0 || (n != -ENOSPC && n != -EDQUOT)) return w.answer(n);
  auto snap_ptr = snapshots();
  const PoolSnapshot& snap = *snap_ptr;
  auto path = w.path();
  struct stat st {};
  if (!path || ::fstat(w.fd(), &st) < 0) return w.answer(original_err);
  std::shared_ptr<BranchState> src = w.branch();
  auto target = pick_target(snap, *path, src.get(), static_cast<uint64_t>(st.st_size));
  if (!target) return w.answer(original_err);
  const BranchSlot& dst = snap.branches[*target];
  auto res = move_with_handles(w, *src, dst, *path);
  if (!res.committed()) {
    syslog(LOG_WARNING, "moveonenospc: %s to %s failed: %s", path->c_str(), dst.path.c_str(),
           strerror(-res.err));
    return w.answer(original_err);
  }
  // A failed source unlink leaves a stale copy behind, as before: the handles are on dst.
  src->cache.put(*path, false);
  dst.rt->cache.put(*path, true);
  src->refresh_wanted = true;
  syslog(LOG_NOTICE, "moveonenospc: moved %s from %s to %s", path->c_str(), src->path().c_str(),
         dst.path.c_str());
  w.answer(w.write_again());
}

}  // namespace

void start_enospc_move(MigrationSink& sink, std::function<SnapshotPtr()> snapshots,
                       std::shared_ptr<EnospcWrite> write, int original_err) {
  sink.submit("moveonenospc", [write, snapshots = std::move(snapshots), original_err] {
    run_move(*write, snapshots, original_err);
  });
}

}  // namespace mfs
