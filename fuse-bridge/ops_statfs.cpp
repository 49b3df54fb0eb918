// statfs: the pool's free space, summed over distinct branch filesystems, from the figures
// each branch tracks.
#include <sys/statvfs.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <string>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/ops.hpp"

namespace mfs::bridge {
namespace {

// Where a branch's figures come from: for statfs=base the root's device and statvfs as the
// branch actor's probe last read them (no syscall here, so a branch that hangs costs statfs
// nothing); for full an lstat of the path, under an admitted slot, says whether the branch
// holds it and on which device. False: the branch is left out.
bool branch_figures(const BranchSlot& br, const std::optional<std::string>& path,
                    struct statvfs& sv, dev_t& dev) {
  if (!br.rt->healthy() || !br.rt->last_statvfs(sv, dev)) return false;
  if (!path) return true;
  auto guard = admit_healthy(*br.rt);
  if (!guard.admitted()) return false;
  struct stat st {};
  if (fs::lstat(br.rt->root_fd(), *path, st) < 0) return false;
  dev = st.st_dev;
  return true;
}

}  // namespace

// Distinct filesystems summed (one entry per st_dev, first branch wins), scaled to the
// smallest fragment size (FEATURES.md §4.10).
void op_statfs(fuse_req_t req, fuse_ino_t ino) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  const auto& cfg = *snap->config;
  std::optional<std::string> path;
  if (cfg.statfs == config::StatfsMode::full) path = b.nodes().path(ino).value_or("/");
  std::map<dev_t, struct statvfs> devs;
  std::vector<dev_t> order;
  unsigned long min_bsize = 0, min_frsize = 0, min_namemax = 0;
  for (const auto& br : snap->branches) {
    struct statvfs sv {};
    dev_t dev = 0;
    if (!branch_figures(br, path, sv, dev)) continue;
    auto keep_min = [](unsigned long& m, unsigned long v) {
      if (v && (!m || v < m)) m = v;
    };
    keep_min(min_bsize, sv.f_bsize);
    keep_min(min_frsize, sv.f_frsize);
    keep_min(min_namemax, sv.f_namemax);
    // mergerfs's predicate as coded (FEATURES.md §4.10 [doc≠code]).
    bool ro_like = br.mode == BranchMode::RO || br.mode == BranchMode::NC;
    bool mounted_ro = (sv.f_flag & ST_RDONLY) != 0;
    bool ignore = ((cfg.statfs_ignore == config::StatfsIgnore::ro || mounted_ro) && ro_like) ||
                  (cfg.statfs_ignore == config::StatfsIgnore::nc && br.mode == BranchMode::NC);
    if (ignore) {
      sv.f_bavail = 0;
      sv.f_favail = 0;
    }
    if (devs.emplace(dev, sv).second) order.push_back(dev);
  }
  struct statvfs out {};
  if (order.empty()) return reply.statfs(out);
  out = devs[order.front()];
  out.f_blocks = out.f_bfree = out.f_bavail = out.f_files = out.f_ffree = out.f_favail = 0;
  for (dev_t d : order) {
    const auto& sv = devs[d];
    unsigned long scale = min_frsize ? sv.f_frsize / min_frsize : 1;
    if (!scale) scale = 1;
    out.f_blocks += sv.f_blocks * scale;
    out.f_bfree += sv.f_bfree * scale;
    out.f_bavail += sv.f_bavail * scale;
    out.f_files += sv.f_files;
    out.f_ffree += sv.f_ffree;
    out.f_favail += sv.f_favail;
  }
  out.f_bsize = min_bsize;
  out.f_frsize = min_frsize;
  out.f_namemax = min_namemax;
  reply.statfs(out);
}

}  // namespace mfs::bridge
