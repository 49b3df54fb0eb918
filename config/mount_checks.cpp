// Mount-time derivations and checks: default fsname, branch/mountpoint loops, forced settings.
#include <climits>
#include <cstdlib>
#include <cerrno>

#include "config/config.hpp"
#include "config/strings.hpp"

namespace mfs::config {
namespace {

// realpath when the path resolves (symlinked mountpoints), else a lexical tidy-up.
std::string canonical(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : tidy_path(p);
}

// True when `outer` is `inner` or one of its ancestors, by whole path components.
bool encloses(const std::string& outer, const std::string& inner) {
  if (outer == inner || outer == "/") return true;
  return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
         inner[outer.size()] == '/';
}

}  // namespace

std::string default_fsname(const std::vector<BranchSpec>& branches) {
  if (branches.empty()) return {};
  if (branches.size() == 1) return branches[0].path;
  size_t prefix = branches[0].path.size();
  for (const BranchSpec& b : branches) {
    size_t n = 0;
    while (n < prefix && n < b.path.size() && b.path[n] == branches[0].path[n]) ++n;
    prefix = n;
  }
  std::string s;
  for (const BranchSpec& b : branches) {
    if (!s.empty()) s += ':';
    s += b.path.substr(prefix);
  }
  return s;
}

std::string effective_fsname(const Config& cfg) {
  return cfg.fsname.empty() ? default_fsname(cfg.branches) : cfg.fsname;
}

int validate_for_mount(const Config& cfg, std::string& error) {
  if (cfg.branches.empty()) {
    error = "no branches configured";
    return -EINVAL;
  }
  if (cfg.mountpoint.empty()) {
    error = "no mountpoint given";
    return -EINVAL;
  }
  const std::string mnt = canonical(cfg.mountpoint);
  for (const BranchSpec& b : cfg.branches) {
    // Resolved when parsed, under the branch deadline (branch_spec.hpp): a realpath here would
    // hold the start-up on a branch that did not answer then.
    const std::string br = tidy_path(b.path);
    if (br == mnt) {
      error = "branch '" + b.path + "' is the mountpoint '" + cfg.mountpoint + "'";
      return -EINVAL;
    }
    if (encloses(br, mnt)) {
      error = "branch '" + b.path + "' contains the mountpoint '" + cfg.mountpoint + "'";
      return -EINVAL;
    }
    if (encloses(mnt, br)) {
      error = "branch '" + b.path + "' is inside the mountpoint '" + cfg.mountpoint + "'";
      return -EINVAL;
    }
  }
  return 0;
}

void apply_mount_fixups(Config& cfg, std::vector<std::string>& notices) {
  if (cfg.passthrough_io != PassthroughIo::off) {
    if (cfg.cache_files == CacheFiles::off) {
      cfg.cache_files = CacheFiles::auto_full;
      notices.push_back("passthrough.io is on: cache.files=off changed to auto-full");
    }
    if (cfg.cache_writeback) {
      cfg.cache_writeback = false;
      notices.push_back("passthrough.io is on: cache.writeback turned off");
    }
    notices.push_back("passthrough.io is on: moveonenospc will not work on passthrough files");
  }
  if (cfg.uid || cfg.gid || cfg.umask)
    notices.push_back("uid/gid/umask overrides are not supported and are ignored");
}

}  // namespace mfs::config
