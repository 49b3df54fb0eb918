// opendir, readdir(plus), releasedir: every branch's listing merged, first branch wins a name.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "config/readdir_mode.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/control_file.hpp"
#include "fuse-bridge/inode_calc.hpp"
#include "fuse-bridge/ops.hpp"
#include "fuse-bridge/readdir_pool.hpp"
#include "messages/fuse_path.hpp"
#include "messages/staging.hpp"

namespace mfs::bridge {
namespace {

// The request's own reference: the listing outlives a RELEASEDIR that races this request.
std::shared_ptr<DirHandle> dir_of(fuse_req_t req, fuse_file_info* fi) {
  return bridge_of(req).dir(fi->fh);
}

struct RawEntry {
  std::string name;
  ino_t ino;
  unsigned char type;
};

// One branch's part of a listing.
struct BranchPart {
  bool done = false;     // filled in (parallel modes); not done by the deadline = skipped
  int fd = -1;           // the branch's directory, open (owned by the DirListing)
  int err = -EAGAIN;     // -errno of the open; -EAGAIN: branch skipped (unhealthy, stuck)
  std::vector<RawEntry> entries;
};

// Opens the branch's copy of `path` under an in-flight guard; -EAGAIN when the branch is
// skipped.
int open_branch_dir(BranchState& rt, const std::string& path) {
  if (!rt.healthy()) return -EAGAIN;
  auto guard = rt.admit();
  if (!guard.admitted()) return -EAGAIN;
  return fs::open_dir(rt.root_fd(), path);
}

// Reads the whole directory; the descriptor stays open (readdirplus stats entries through it).
void read_entries(BranchState& rt, int fd, std::vector<RawEntry>& out) {
  auto guard = rt.track();
  fs::for_each_entry(fd, [&](const char* name, ino_t ino, unsigned char type) {
    out.push_back({name, ino, type});
    return true;
  });
}

// cosr/cor: every branch's open (cor: and read) runs on the readdir pool at once; the FUSE
// thread waits up to branch-deadline, and a branch not done by then is left out. A job that
// finishes after the FUSE thread left closes what it opened.
std::vector<BranchPart> gather_parallel(const PoolSnapshot& snap, const std::string& path,
                                        const config::ReaddirMode& mode) {
  struct Gather {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<BranchPart> parts;
    size_t pending = 0;
    bool abandoned = false;
  };
  auto g = std::make_shared<Gather>();
  const size_t n = snap.branches.size();
  g->parts.resize(n);
  g->pending = n;
  const bool read_too = mode.kind == config::ReaddirMode::Kind::cor;
  unsigned threads = mode.threads ? mode.threads : std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
  unsigned depth = mode.queue_depth ? mode.queue_depth : 2;
  for (size_t i = 0; i < n; ++i) {
    auto job = [g, i, rt = snap.branches[i].rt, path, read_too] {
      BranchPart part;
      part.err = 0;
      int fd = open_branch_dir(*rt, path);
      if (fd < 0) part.err = fd;
      else part.fd = fd;
      if (fd >= 0 && read_too) read_entries(*rt, fd, part.entries);
      std::lock_guard lk(g->mu);
      if (g->abandoned) {
        if (part.fd >= 0) ::close(part.fd);
        return;
      }
      part.done = true;
      g->parts[i] = std::move(part);
      if (--g->pending == 0) g->cv.notify_all();
    };
    if (!run_on_readdir_pool(threads, depth, job)) job();
  }
  std::unique_lock lk(g->mu);
  double deadline = snap.config->branch_deadline;
  if (deadline > 0)
    g->cv.wait_for(lk, std::chrono::duration<double>(deadline), [&] { return g->pending == 0; });
  else
    g->cv.wait(lk, [&] { return g->pending == 0; });
  g->abandoned = true;
  std::vector<BranchPart> parts = std::move(g->parts);
  lk.unlock();
  if (!read_too)
    for (size_t i = 0; i < n; ++i)
      if (parts[i].done && parts[i].fd >= 0) read_entries(*snap.branches[i].rt, parts[i].fd, parts[i].entries);
  return parts;
}

std::vector<BranchPart> gather_sequential(const PoolSnapshot& snap, const std::string& path) {
  std::vector<BranchPart> parts(snap.branches.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    auto& rt = *snap.branches[i].rt;
    int fd = open_branch_dir(rt, path);
    parts[i].done = true;
    parts[i].err = fd < 0 ? fd : 0;
    parts[i].fd = fd < 0 ? -1 : fd;
    if (fd >= 0) read_entries(rt, fd, parts[i].entries);
  }
  return parts;
}

// Every branch's directory merged in pool order; a name seen once is kept from its first
// branch. func.readdir decides how the branches are read, never the result.
std::shared_ptr<DirListing> load_listing(const PoolSnapshot& snap, const std::string& dir) {
  auto l = std::make_shared<DirListing>();
  auto mode = static_cast<InodeMode>(snap.config->inodecalc);
  const config::ReaddirMode& how = snap.config->func_readdir;
  auto parts = how.kind == config::ReaddirMode::Kind::seq || snap.branches.size() < 2
                   ? gather_sequential(snap, dir)
                   : gather_parallel(snap, dir, how);
  std::unordered_set<std::string> seen;
  bool any_opened = false;
  int first_err = -ENOENT;
  l->branch_fds.assign(parts.size(), -1);
  l->generation = snap.generation;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& part = parts[i];
    if (part.done && part.fd >= 0) l->branch_fds[i] = part.fd;
    if (!part.done || part.err == -EAGAIN) continue;
    if (part.err < 0) {
      if (first_err == -ENOENT) first_err = part.err;
      continue;
    }
    any_opened = true;
    const auto& br = snap.branches[i];
    for (const auto& raw : part.entries) {
      if (dir == "/" && (raw.name == ControlFile::kName || raw.name == kStagingDir)) continue;
      if (!seen.emplace(raw.name).second) continue;
      bool is_dir = raw.type == DT_DIR;
      uint64_t ino = calc_ino(mode, br.path, join_path(dir, raw.name), raw.ino, is_dir);
      l->entries.push_back({raw.name, ino, raw.type, static_cast<int>(i)});
    }
  }
  if (!any_opened) l->error = first_err;
  return l;
}

// With func.getattr=ff, the branch a search would pick for an entry is the first branch that
// listed it: one fstatat through that branch's open directory instead of a search. Anything
// unusual (another policy, a changed branch set, an unhealthy branch, the entry gone) answers
// an error, and the caller searches.
Found stat_where_listed(const PoolSnapshot& snap, const DirListing& l, const DirEntry& e,
                        const std::string& path) {
  Found f;
  f.err = -EAGAIN;
  if (snap.config->func[static_cast<size_t>(policy::Func::getattr)] != policy::PolicyId::ff ||
      l.generation != snap.generation || e.branch < 0 ||
      static_cast<size_t>(e.branch) >= l.branch_fds.size() || l.branch_fds[e.branch] < 0)
    return f;
  BranchState& rt = *snap.branches[static_cast<size_t>(e.branch)].rt;
  if (!rt.healthy()) return f;
  auto guard = rt.track();
  if (!guard.admitted()) return f;
  if (::fstatat(l.branch_fds[e.branch], e.name.c_str(), &f.st, AT_SYMLINK_NOFOLLOW) < 0) return f;
  rt.cache.put(path, true);
  f.branch = static_cast<size_t>(e.branch);
  f.err = 0;
  return f;
}

// readdirplus: each entry's attributes, searched before the reply is claimed (a search may
// wait on a late branch, and the deadline's rerun must still be able to answer). As many
// entries as can fit in `size`; an entry whose search fails is listed without attributes.
std::vector<Found> stat_window(const Bridge& b, const PoolSnapshot& snap, const DirListing& l,
                               const std::string& dir, size_t size, size_t off) {
  std::vector<Found> out;
  size_t used = 0;
  for (size_t i = off; i < l.entries.size(); ++i) {
    const DirEntry& e = l.entries[i];
    used += fuse_add_direntry_plus(nullptr, nullptr, 0, e.name.c_str(), nullptr, 0);
    if (used > size) break;
    Found f;
    f.err = -ENOENT;
    if (e.name != "." && e.name != "..") {
      std::string path = join_path(dir, e.name);
      f = stat_where_listed(snap, l, e, path);
      if (f.err) f = b.search(snap, policy::Func::getattr, path);
      if (f.err == 0) b.present(snap, f.branch, path, f.st);
    }
    out.push_back(std::move(f));
  }
  return out;
}

// The reply's entries from `off`, built after the claim: readdirplus entries take a lookup
// reference each, which only an answer the kernel receives may take.
size_t fill_entries(fuse_req_t req, Bridge& b, const PoolSnapshot& snap, fuse_ino_t ino,
                    const DirListing& l, const std::vector<Found>* attrs, size_t off,
                    std::vector<char>& out) {
  size_t used = 0;
  const size_t size = out.size();
  for (size_t i = off; i < l.entries.size(); ++i) {
    const DirEntry& e = l.entries[i];
    struct stat st {};
    st.st_ino = e.ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e.type));
    const auto next = static_cast<off_t>(i + 1);
    if (!attrs) {
      size_t n = fuse_add_direntry(req, out.data() + used, size - used, e.name.c_str(), &st, next);
      if (n > size - used) break;
      used += n;
      continue;
    }
    if (i - off >= attrs->size()) break;
    fuse_entry_param ep{};
    ep.attr = st;
    if (const Found& f = (*attrs)[i - off]; f.err == 0) {
      ep.attr = f.st;
      ep.generation = kGeneration;
      ep.attr_timeout = b.attr_timeout(snap);
      ep.entry_timeout = b.entry_timeout(snap);
      ep.ino = b.nodes().add_lookup(ino, e.name);
    }
    used += fuse_add_direntry_plus(req, out.data() + used, size - used, e.name.c_str(), &ep, next);
  }
  return used;
}

// A listing is built at offset 0 (or on the first readdir) outside the handle's lock and
// installed only by the request that wins the claim: a rerun after the deadline and the late
// original never both shape what the offsets of later readdirs index.
void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi,
                    bool plus) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  std::shared_ptr<DirHandle> d = dir_of(req, fi);
  if (!d) return reply.result(-EBADF);
  std::shared_ptr<const DirListing> l;
  std::string dir;
  {
    std::lock_guard lk(d->mu);
    l = d->listing;
    dir = d->path;
  }
  const bool fresh = off == 0 || !l;
  if (fresh) {
    // The directory may have been renamed since opendir: list it where it is now.
    if (auto now = b.nodes().path(ino)) dir = *now;
    auto built = load_listing(*snap, dir);
    if (built->error && ino == kRootId && snap->branches.empty()) {
      built->error = 0;
      built->entries.push_back({"error: no valid mergerfs branch found, check config", 2, DT_REG});
    }
    l = std::move(built);
  }
  std::vector<Found> attrs;
  if (plus && !l->error) attrs = stat_window(b, *snap, *l, dir, size, static_cast<size_t>(off));
  if (!reply.claim()) return;
  if (fresh) {
    std::lock_guard lk(d->mu);
    d->listing = l;
    d->path = dir;
  }
  if (l->error) return reply.claimed_result(l->error);
  std::vector<char> out(size);
  size_t used = fill_entries(req, b, *snap, ino, *l, plus ? &attrs : nullptr,
                             static_cast<size_t>(off), out);
  reply.claimed_buf(out.data(), used);
}

}  // namespace

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  auto d = std::make_unique<DirHandle>();
  d->path = *path;
  auto snap = b.snapshot();
  if (snap->config->cache_readdir) {
    fi->keep_cache = 1;
    fi->cache_readdir = 1;
  }
  if (!reply.claim()) return;
  fi->fh = b.register_dir(std::move(d));
  reply.claimed_open(*fi);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  readdir_common(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  readdir_common(req, ino, size, off, fi, true);
}

// Every branch's copy of the directory is synced.
void op_fsyncdir(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  std::shared_ptr<DirHandle> d = dir_of(req, fi);
  if (!d) return reply.result(-EBADF);
  std::string dir;
  {
    std::lock_guard lk(d->mu);
    dir = d->path;
  }
  int first_err = 0;
  bool any = false;
  for (const auto& br : snap->branches) {
    // fsyncdir has no deadline (a slow disk's writeback may take long): a branch that hangs
    // is skipped, and one that hangs during the sync keeps this worker in its slot.
    auto guard = admit_healthy(*br.rt);
    if (!guard.admitted()) continue;
    int fd = fs::open_dir(br.rt->root_fd(), dir);
    if (fd < 0) continue;
    any = true;
    if ((datasync ? ::fdatasync(fd) : ::fsync(fd)) < 0 && !first_err) first_err = -errno;
    ::close(fd);
  }
  reply.result(any ? first_err : -ENOENT);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Reply reply(req);
  bridge_of(req).release_dir(fi->fh);
  reply.result(0);
}

}  // namespace mfs::bridge
