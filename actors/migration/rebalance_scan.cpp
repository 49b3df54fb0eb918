// The pool as the rebalance planner sees it: statvfs of each taking part, corrected by the run's
// space model, and the scan, a depth-first walk over directory fds with the one directory
// walker (fs::for_each_entry), entries read with fstatat, never following a link.
#include "actors/migration/rebalance_scan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "messages/staging.hpp"

namespace mfs {
namespace {

struct Walk {
  dev_t dev;  // the branch's filesystem: entries on another one (mount points) are left out
  std::vector<policy::RebalanceFile>& out;
};

// Lists `dir_fd` (the directory at pool path `dir`, "" for the root) into walk.out; subfolders
// are entered as they are met, as nftw does.
void walk_dir(Walk& walk, int dir_fd, const std::string& dir) {
  fs::for_each_entry(dir_fd, [&](const char* name, ino_t, unsigned char type) {
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) return true;
    if (type != DT_UNKNOWN && type != DT_REG && type != DT_DIR) return true;  // links, devices
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != walk.dev)
      return true;
    if (S_ISREG(st.st_mode)) {
      walk.out.push_back({path, static_cast<uint64_t>(st.st_size),
                          static_cast<uint64_t>(st.st_blocks) * 512,
                          static_cast<uint64_t>(st.st_nlink)});
    } else if (S_ISDIR(st.st_mode) && path != kStagingPath) {
      int sub = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) return true;
      walk_dir(walk, sub, path);
      ::close(sub);
    }
    return true;
  });
}

bool measure(int root_fd, policy::RebalanceBranch& b) {
  struct statvfs vs {};
  if (::fstatvfs(root_fd, &vs) < 0 || vs.f_blocks == 0) return false;
  b.total = static_cast<double>(vs.f_blocks) * vs.f_frsize;
  b.used = static_cast<double>(vs.f_blocks - vs.f_bfree) * vs.f_frsize;
  b.avail = static_cast<double>(vs.f_bavail) * vs.f_frsize;
  return true;
}

// Healthy, measurable branches; read-only ones take no part (their files cannot leave).
std::vector<policy::RebalanceBranch> measure_pool(const PoolSnapshot& snap) {
  std::vector<policy::RebalanceBranch> out;
  for (const auto& slot : snap.branches) {
    if (slot.mode == BranchMode::RO || !slot.rt->healthy() || slot.rt->readonly_fs()) continue;
    policy::RebalanceBranch b;
    b.path = slot.path;
    b.source = true;
    b.target = slot.mode == BranchMode::RW;
    if (measure(slot.rt->root_fd(), b)) out.push_back(b);
  }
  return out;
}

policy::RebalanceLimits limits_of(const config::Config& cfg) {
  policy::RebalanceLimits lim;
  lim.threshold = cfg.rebalance_threshold;
  lim.include = cfg.rebalance_include;
  lim.exclude = cfg.rebalance_exclude;
  lim.min_size = cfg.rebalance_min_size;
  lim.max_size = cfg.rebalance_max_size;
  return lim;
}

}  // namespace

std::vector<policy::RebalanceFile> scan_branch(const std::string& root) {
  std::vector<policy::RebalanceFile> out;
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    Walk walk{st.st_dev, out};
    walk_dir(walk, fd, "");
  }
  ::close(fd);
  return out;
}

std::vector<policy::RebalanceBranch> modelled_pool(const PoolSnapshot& snap, SpaceModel& model) {
  auto bs = measure_pool(snap);
  for (auto& b : bs) {
    auto it = model.find(b.path);
    if (it == model.end()) {
      model[b.path] = {b.used, b.avail};
    } else {
      b.used = it->second.used;
      b.avail = it->second.avail;
    }
  }
  return bs;
}

policy::RebalancePlan make_plan(const PoolSnapshot& snap, const config::Config& cfg,
                                const std::set<std::string>& skip, SpaceModel& model) {
  auto bs = modelled_pool(snap, model);
  auto lim = limits_of(cfg);
  if (bs.size() < 2 || policy::spread_of(bs) <= lim.threshold) {
    policy::RebalancePlan none;
    none.spread = policy::spread_of(bs);
    return none;
  }
  std::vector<std::string> other_paths;  // files of branches taking no part
  for (const auto& slot : snap.branches) {
    auto it = std::find_if(bs.begin(), bs.end(), [&](const auto& b) { return b.path == slot.path; });
    auto facts = scan_branch(slot.path);
    if (it != bs.end()) {
      it->files = std::move(facts);
    } else {
      for (auto& f : facts) other_paths.push_back(std::move(f.path));
    }
  }
  return policy::plan_rebalance(std::move(bs), other_paths, skip, lim);
}

}  // namespace mfs
