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
  int fd = -1;           // the branch's directory, open (owned by the listing's DirHandle)
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
int load_listing(const PoolSnapshot& snap, DirHandle& d) {
  auto mode = static_cast<InodeMode>(snap.config->inodecalc);
  const config::ReaddirMode& how = snap.config->func_readdir;
  auto parts = how.kind == config::ReaddirMode::Kind::seq || snap.branches.size() < 2
                   ? gather_sequential(snap, d.path)
                   : gather_parallel(snap, d.path, how);
  std::unordered_set<std::string> seen;
  bool any_opened = false;
  int first_err = -ENOENT;
  for (int fd : d.branch_fds)
    if (fd >= 0) ::close(fd);
  d.branch_fds.assign(parts.size(), -1);
  d.generation = snap.generation;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& part = parts[i];
    if (part.done && part.fd >= 0) d.branch_fds[i] = part.fd;
    if (!part.done || part.err == -EAGAIN) continue;
    if (part.err < 0) {
      if (first_err == -ENOENT) first_err = part.err;
      continue;
    }
    any_opened = true;
    const auto& br = snap.branches[i];
    for (const auto& raw : part.entries) {
      if (d.path == "/" && (raw.name == ControlFile::kName || raw.name == kStagingDir)) continue;
      if (!seen.emplace(raw.name).second) continue;
      bool is_dir = raw.type == DT_DIR;
      uint64_t ino = calc_ino(mode, br.path, join_path(d.path, raw.name), raw.ino, is_dir);
      d.entries.push_back({raw.name, ino, raw.type, static_cast<int>(i)});
    }
  }
  if (!any_opened) return first_err;
  return 0;
}

// With func.getattr=ff, the branch a search would pick for an entry is the first branch that
// listed it: one fstatat through that branch's open directory instead of a search. Anything
// unusual (another policy, a changed branch set, an unhealthy branch, the entry gone) answers
// an error, and the caller searches.
Found stat_where_listed(const PoolSnapshot& snap, const DirHandle& d, const DirEntry& e,
                        const std::string& path) {
  Found f;
  f.err = -EAGAIN;
  if (snap.config->func[static_cast<size_t>(policy::Func::getattr)] != policy::PolicyId::ff ||
      d.generation != snap.generation || e.branch < 0 ||
      static_cast<size_t>(e.branch) >= d.branch_fds.size() || d.branch_fds[e.branch] < 0)
    return f;
  BranchState& rt = *snap.branches[static_cast<size_t>(e.branch)].rt;
  if (!rt.healthy()) return f;
  auto guard = rt.track();
  if (!guard.admitted()) return f;
  if (::fstatat(d.branch_fds[e.branch], e.name.c_str(), &f.st, AT_SYMLINK_NOFOLLOW) < 0) return f;
  rt.cache.put(path, true);
  f.branch = static_cast<size_t>(e.branch);
  f.err = 0;
  return f;
}

void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi,
                    bool plus) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  std::shared_ptr<DirHandle> d = dir_of(req, fi);
  if (!d) return reply.result(-EBADF);
  std::lock_guard lk(d->mu);
  if (off == 0 || !d->loaded) {
    // The directory may have been renamed since opendir: list it where it is now.
    if (auto now = b.nodes().path(ino)) d->path = *now;
    d->entries.clear();
    d->error = load_listing(*snap, *d);
    d->loaded = true;
    if (d->error && ino == kRootId && snap->branches.empty()) {
      d->error = 0;
      d->entries.push_back({"error: no valid mergerfs branch found, check config", 2, DT_REG});
    }
  }
  if (d->error) return reply.result(d->error);
  std::vector<char> out(size);
  size_t used = 0;
  for (size_t i = static_cast<size_t>(off); i < d->entries.size(); ++i) {
    const DirEntry& e = d->entries[i];
    struct stat st {};
    st.st_ino = e.ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e.type));
    size_t n;
    if (!plus) {
      n = fuse_add_direntry(req, out.data() + used, size - used, e.name.c_str(), &st,
                            static_cast<off_t>(i + 1));
      if (n > size - used) break;
      used += n;
      continue;
    }
    fuse_entry_param ep{};
    ep.attr = st;
    size_t need = fuse_add_direntry_plus(req, nullptr, 0, e.name.c_str(), nullptr, 0);
    if (need > size - used) break;
    if (e.name != "." && e.name != "..") {
      std::string path = join_path(d->path, e.name);
      Found f = stat_where_listed(*snap, *d, e, path);
      if (f.err) f = b.search(*snap, policy::Func::getattr, path);
      if (f.err == 0) {
        b.present(*snap, f.branch, path, f.st);
        ep.attr = f.st;
        ep.generation = kGeneration;
        ep.attr_timeout = b.attr_timeout(*snap);
        ep.entry_timeout = b.entry_timeout(*snap);
        ep.ino = b.nodes().add_lookup(ino, e.name);
      }
    }
    used += fuse_add_direntry_plus(req, out.data() + used, size - used, e.name.c_str(), &ep,
                                   static_cast<off_t>(i + 1));
  }
  reply.buf(out.data(), used);
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
  int first_err = 0;
  bool any = false;
  for (const auto& br : snap->branches) {
    if (!br.rt->healthy()) continue;
    int fd = fs::open_dir(br.rt->root_fd(), d->path);
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
