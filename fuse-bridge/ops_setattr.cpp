// setattr: chmod, chown, truncate, utimens. On an open handle only the opened file changes;
// by path, every branch the action policy picks (FEATURES.md §4.5).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/fanout.hpp"
#include "fuse-bridge/ops.hpp"

namespace mfs::bridge {
namespace {

void times_from(const struct stat* attr, int to_set, struct timespec ts[2]) {
  ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) ts[0].tv_nsec = UTIME_NOW;
  else if (to_set & FUSE_SET_ATTR_ATIME) ts[0] = attr->st_atim;
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) ts[1].tv_nsec = UTIME_NOW;
  else if (to_set & FUSE_SET_ATTR_MTIME) ts[1] = attr->st_mtim;
}

constexpr int kTimes = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                       FUSE_SET_ATTR_MTIME_NOW;

int set_on_fd(fuse_req_t req, FileHandle& h, const struct stat* attr, int to_set) {
  auto ret = [](int r) { return r < 0 ? -errno : 0; };
  if (to_set & FUSE_SET_ATTR_MODE)
    if (int e = ret(::fchmod(h.fd, attr->st_mode & 07777))) return e;
  if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    uid_t u = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
    gid_t g = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
    if (int e = ret(::fchown(h.fd, u, g))) return e;
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    clear_privileged_bits(req, h);
    if (int e = ret(::ftruncate(h.fd, attr->st_size))) return e;
  }
  if (to_set & kTimes) {
    struct timespec ts[2];
    times_from(attr, to_set, ts);
    if (int e = ret(::futimens(h.fd, ts))) return e;
  }
  return 0;
}

// One attribute change fanned out by its action policy, resolved by the getattr search.
int set_by_path(const Bridge& b, const PoolSnapshot& snap, policy::Func f, const std::string& path,
                const std::function<int(int root)>& op) {
  BranchResults results;
  int e = run_action(b, snap, f, path, [&](const BranchSlot& br) { return op(br.rt->root_fd()); },
                     results);
  if (e) return e;
  return resolve_action(b, snap, policy::Func::getattr, path, results);
}

}  // namespace

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  if (ino == kControlFileId) return reply.attr(b.control_attr(), 0);
  auto snap = b.snapshot();
  std::shared_ptr<FileHandle> held = fi ? b.file(fi->fh) : nullptr;
  FileHandle* h = held.get();
  if (!h) {
    held = b.open_handle(ino);
    h = held.get();
  }
  auto path = b.nodes().path(ino);
  if (!path && !h) return reply.result(-ENOENT);
  std::optional<OpenGate::Entry> gate;  // a path-based change waits for a move's swap
  if (path) gate.emplace(b.open_gate().enter(*path));
  int err = 0;
  // A change through the handle runs on this thread: not on a slow or failed branch, and
  // its slot bounds how many workers a branch that hangs now can keep.
  std::optional<BranchState::OpGuard> on_fd;
  if (h && (fi || !path)) {
    on_fd.emplace(admit_healthy(*h->branch));
    if (!on_fd->admitted()) return reply.result(-EIO);
  }
  if (fi && h) {
    err = set_on_fd(req, *h, attr, to_set);
  } else if (!path) {
    err = set_on_fd(req, *h, attr, to_set);  // unlinked while open: only the fd remains
  } else {
    const std::string& p = *path;
    if (!err && (to_set & FUSE_SET_ATTR_MODE)) {
      mode_t m = attr->st_mode & 07777;
      err = set_by_path(b, *snap, policy::Func::chmod, p, [&](int r) { return fs::chmod(r, p, m); });
    }
    if (!err && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
      uid_t u = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
      gid_t g = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
      err = set_by_path(b, *snap, policy::Func::chown, p, [&](int r) { return fs::chown(r, p, u, g); });
    }
    if (!err && (to_set & FUSE_SET_ATTR_SIZE)) {
      if (h) {
        clear_privileged_bits(req, *h);
      } else if (Found f = b.search(*snap, policy::Func::getattr, p); f.err == 0) {
        // The kernel sends S_ISUID (and S_ISGID with group-execute) drops itself, not S_ISGID
        // without group-execute for a caller outside the file's group.
        mode_t m = mode_after_write(req, f.st);
        if (m != (f.st.st_mode & 07777))
          (void)set_by_path(b, *snap, policy::Func::chmod, p, [&](int r) { return fs::chmod(r, p, m); });
      }
      off_t sz = attr->st_size;
      err = set_by_path(b, *snap, policy::Func::truncate, p, [&](int r) { return fs::truncate(r, p, sz); });
    }
    if (!err && (to_set & kTimes)) {
      struct timespec ts[2];
      times_from(attr, to_set, ts);
      err = set_by_path(b, *snap, policy::Func::utimens, p, [&](int r) { return fs::utimens(r, p, ts); });
    }
  }
  if (err) return reply.result(err);
  struct stat st {};
  if (h && (fi || !path)) {
    if (::fstat(h->fd, &st) < 0) return reply.result(-errno);
    return reply.attr(st, 0);
  }
  Found f = b.search(*snap, policy::Func::getattr, *path);
  if (f.err) return reply.result(f.err);
  b.present(*snap, f.branch, *path, f.st);
  reply.attr(f.st, b.attr_timeout(*snap, f.st));
}

}  // namespace mfs::bridge
