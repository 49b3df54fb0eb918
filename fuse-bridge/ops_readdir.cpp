// opendir, readdir(plus), releasedir: every branch's listing merged, first branch wins a name.
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <unordered_set>

#include "actors/branch_fs.hpp"
#include "actors/branch_runtime.hpp"
#include "config/config.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/control_file.hpp"
#include "fuse-bridge/inode_calc.hpp"
#include "fuse-bridge/ops.hpp"
#include "messages/staging.hpp"

namespace mfs::bridge {
namespace {

struct linux_dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

DirHandle* dir_of(fuse_file_info* fi) { return reinterpret_cast<DirHandle*>(fi->fh); }

std::string join(const std::string& dir, std::string_view name) {
  std::string p = dir;
  if (p.size() > 1) p.push_back('/');
  p.append(name);
  return p;
}

// Reads every branch's directory in pool order; a name seen once is kept from its first branch.
int load_listing(const PoolSnapshot& snap, DirHandle& d) {
  auto mode = static_cast<InodeMode>(snap.config->inodecalc);
  std::unordered_set<std::string> seen;
  bool any_opened = false;
  int first_err = ENOENT;
  std::vector<char> buf(64 * 1024);
  for (const auto& br : snap.branches) {
    if (!br.rt->healthy()) continue;
    auto guard = br.rt->track();
    if (!guard.admitted() && br.rt->looks_stuck()) continue;
    int fd = fs::open_dir(br.rt->root_fd(), d.path);
    if (fd < 0) {
      if (first_err == ENOENT) first_err = -fd;
      continue;
    }
    any_opened = true;
    for (;;) {
      long n = syscall(SYS_getdents64, fd, buf.data(), buf.size());
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        auto* de = reinterpret_cast<linux_dirent64*>(buf.data() + off);
        off += de->d_reclen;
        std::string_view name(de->d_name);
        if (d.path == "/" && (name == ControlFile::kName || name == kStagingDir)) continue;
        if (!seen.emplace(name).second) continue;
        bool is_dir = de->d_type == DT_DIR;
        uint64_t ino = calc_ino(mode, br.path, join(d.path, name), de->d_ino, is_dir);
        d.entries.push_back({std::string(name), ino, de->d_type});
      }
    }
    ::close(fd);
  }
  if (!any_opened) return first_err == ENOTDIR ? ENOTDIR : first_err;
  return 0;
}

void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi,
                    bool plus) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  DirHandle* d = dir_of(fi);
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
  if (d->error) return reply.err(d->error);
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
      std::string path = join(d->path, e.name);
      Found f = b.search(*snap, policy::Func::getattr, path);
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
  if (!path) return reply.err(ENOENT);
  auto d = std::make_unique<DirHandle>();
  d->path = *path;
  auto snap = b.snapshot();
  if (snap->config->cache_readdir) {
    fi->keep_cache = 1;
    fi->cache_readdir = 1;
  }
  fi->fh = reinterpret_cast<uint64_t>(d.release());
  reply.open(*fi);
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
  DirHandle* d = dir_of(fi);
  int first_err = 0;
  bool any = false;
  for (const auto& br : snap->branches) {
    if (!br.rt->healthy()) continue;
    int fd = fs::open_dir(br.rt->root_fd(), d->path);
    if (fd < 0) continue;
    any = true;
    if ((datasync ? ::fdatasync(fd) : ::fsync(fd)) < 0 && !first_err) first_err = errno;
    ::close(fd);
  }
  reply.err(any ? first_err : ENOENT);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Reply reply(req);
  bridge_of(req).graveyard().bury(std::shared_ptr<DirHandle>(dir_of(fi)));
  reply.err(0);
}

}  // namespace mfs::bridge
