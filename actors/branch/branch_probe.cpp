// lstat-backed path facts for policies, memoised per request so a pick costs one lstat a branch.
#include "actors/branch/branch_probe.hpp"

#include <errno.h>
#include <unistd.h>

#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "messages/clock.hpp"
#include "messages/fuse_path.hpp"

namespace mfs {

namespace {

// Reads directory `dir` of the branch into its existence cache, which then knows every name
// of it (ExistCache::put_listing). A directory missing here has no names at all.
void read_listing(BranchState& rt, std::string_view dir) {
  auto guard = rt.track();
  if (!guard.admitted()) return;
  const int64_t t0 = steady_ns();
  std::vector<std::string> names;
  int fd = fs::open_dir(rt.root_fd(), dir);
  if (fd == -ENOENT || fd == -ENOTDIR) return rt.cache.put_listing(dir, names, t0);
  if (fd < 0) return;
  bool whole = fs::for_each_entry(fd, [&](const char* name, ino_t, unsigned char) {
                 if (std::strcmp(name, ".") && std::strcmp(name, "..")) names.emplace_back(name);
                 return names.size() <= ExistCache::kMaxListing;
               }) == 0 &&
               names.size() <= ExistCache::kMaxListing;
  ::close(fd);
  rt.counters.inline_ops.fetch_add(1, std::memory_order_relaxed);
  if (whole) rt.cache.put_listing(dir, names, t0);
}

}  // namespace

const BranchProbe::Memo& BranchProbe::probe(size_t branch, std::string_view fusepath) const {
  for (const auto& m : memo_)
    if (m.branch == branch && m.path == fusepath) return m;
  Memo m{branch, std::string(fusepath), 0, {}};
  BranchState& rt = *snap_.branches[branch].rt;
  std::optional<bool> cached;
  if (use_cache_ && rt.healthy()) {
    cached = rt.cache.get(fusepath);
    // Several misses in one directory: read it once, then answer from the listing.
    if (!cached && rt.cache.note_miss(parent_of(fusepath))) {
      read_listing(rt, parent_of(fusepath));
      cached = rt.cache.get(fusepath);
    }
  }
  if (!rt.healthy()) {
    m.err = -EIO;  // policies skip it; an action that needs it answers EIO
  } else if (cached == false) {
    m.err = -ENOENT;  // known absent: no syscall, no spin-up
  } else if (auto guard = rt.admit(); !guard.admitted()) {
    m.err = -EIO;  // in-flight cap reached by syscalls that are not coming back
  } else {
    rt.counters.lstat_calls.fetch_add(1, std::memory_order_relaxed);
    rt.counters.inline_ops.fetch_add(1, std::memory_order_relaxed);
    int64_t t0 = steady_ns();
    m.err = rt.dirs.lstat(rt.root_fd(), fusepath, m.st);
    if (m.err == 0 || m.err == -ENOENT || m.err == -ENOTDIR)
      rt.cache.put_probe(fusepath, m.err == 0, t0);
    else rt.note_error(m.err);
  }
  memo_.push_back(std::move(m));
  return memo_.back();
}

bool BranchProbe::exists(size_t branch, std::string_view fusepath) const {
  return probe(branch, fusepath).err == 0;
}

std::optional<int64_t> BranchProbe::mtime_ns(size_t branch, std::string_view fusepath) const {
  const Memo& m = probe(branch, fusepath);
  if (m.err) return std::nullopt;
  return static_cast<int64_t>(m.st.st_mtim.tv_sec) * 1000000000 + m.st.st_mtim.tv_nsec;
}

int BranchProbe::stat(size_t branch, std::string_view fusepath, struct stat& st) const {
  const Memo& m = probe(branch, fusepath);
  if (m.err == 0) st = m.st;
  return m.err;
}

std::vector<policy::BranchFacts> branch_facts(const PoolSnapshot& snap) {
  std::vector<policy::BranchFacts> out;
  out.reserve(snap.branches.size());
  for (const auto& b : snap.branches) {
    policy::BranchFacts f;
    f.mode = b.mode;
    f.minfreespace = b.minfreespace;
    f.avail = b.rt->avail();
    f.used = b.rt->used();
    f.total = b.rt->total();
    f.statvfs_ok = b.rt->statvfs_ok();
    f.readonly_fs = b.rt->readonly_fs() || b.rt->health() == BranchHealth::readonly;
    f.healthy = b.rt->healthy();
    out.push_back(f);
  }
  return out;
}

}  // namespace mfs
