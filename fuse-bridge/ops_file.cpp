// open, read, write, flush, fsync, release: on the handle's branch fd, inline or on the
// branch's executor (branch_call.hpp); a slow or failed branch's handles answer EIO.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <shared_mutex>
#include <string>
#include <vector>
#include <unistd.h>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/open_flags.hpp"
#include "fuse-bridge/ops.hpp"
#include "fuse-bridge/credentials.hpp"
#include "fuse-bridge/move_on_enospc.hpp"
#include "fuse-bridge/open_existing.hpp"

namespace mfs::bridge {
namespace {

// The request's own reference: the handle outlives a RELEASE that races this request.
std::shared_ptr<FileHandle> file_of(fuse_req_t req, fuse_file_info* fi) {
  return bridge_of(req).file(fi->fh);
}

}  // namespace

int branch_open_flags(const config::Config& cfg, int flags) {
  // O_DIRECT stays between the application and the kernel's FUSE client (no FUSE page cache
  // for that open); the branch gets buffered I/O: FUSE buffers carry no alignment guarantee
  // and tmpfs-like branches may refuse O_DIRECT.
  flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT);
  if (cfg.cache_writeback) {
    if ((flags & O_ACCMODE) == O_WRONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
    flags &= ~O_APPEND;
  }
  return flags;
}

// cache.files=per-process: whether the opening process's name (its comm) is in the list.
bool caching_process(fuse_req_t req, const std::vector<std::string>& names) {
  std::ifstream f("/proc/" + std::to_string(caller_of(req).pid) + "/comm");
  std::string comm;
  if (!std::getline(f, comm) || comm.empty()) return false;
  return std::find(names.begin(), names.end(), comm) != names.end();
}

std::unique_ptr<FileHandle> new_file_handle(fuse_req_t req, int fd, const BranchSlot& br,
                                            const config::Config& cfg, fuse_file_info* fi) {
  auto h = std::make_unique<FileHandle>(fd, br.rt, br.path);
  h->flags = fi->flags;
  h->nullrw = cfg.nullrw;
  h->dropcache = cfg.dropcacheonclose;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    h->owner = st.st_uid;
    h->privileged_bits = (st.st_mode & (S_ISUID | S_ISGID)) != 0;
  }
  // libfuse 3.14 cannot ask for FUSE_DIRECT_IO_ALLOW_MMAP, and the kernel refuses shared
  // mmap on direct-io files without it: cache.files=off therefore uses the page cache dropped
  // at each open (as `partial`), so sqlite & co. work with default options. README explains.
  switch (cfg.cache_files) {
    case config::CacheFiles::off:
    case config::CacheFiles::partial: fi->keep_cache = 0; break;
    case config::CacheFiles::per_process:
      fi->keep_cache = caching_process(req, cfg.cache_files_process_names) ? 1 : 0;
      break;
    case config::CacheFiles::full:
    case config::CacheFiles::auto_full: fi->keep_cache = 1; break;
  }
  fi->noflush = cfg.flush_on_close == config::FlushOnClose::never ||
                (cfg.flush_on_close == config::FlushOnClose::opened_for_write &&
                 (fi->flags & O_ACCMODE) == O_RDONLY);
  return h;
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  if (ino == kControlFileId) {
    fi->direct_io = 1;
    fi->fh = 0;
    return reply.open(*fi);
  }
  // One open file per node (DESIGN.md): a node that already has handles reopens the first
  // handle's file, wherever a search would find the name now (as mergerfs does).
  if (auto held = b.open_handle(ino)) {
    for (const auto& slot : snap->branches) {
      if (slot.rt != held->branch) continue;
      auto guard = admit_healthy(*slot.rt);
      if (!guard.admitted()) return reply.result(-EIO);
      int fd;
      {
        std::shared_lock lk(*held->io);  // a move swaps held->fd under the exclusive lock
        std::string proc = "/proc/self/fd/" + std::to_string(held->fd);
        int flags = branch_open_flags(*snap->config, fi->flags) & ~O_NOFOLLOW;
        fd = ::open(proc.c_str(), flags | O_CLOEXEC);
      }
      if (fd < 0) return reply.result(-errno);
      auto h = new_file_handle(req, fd, slot, *snap->config, fi);
      if (fi->flags & O_TRUNC) clear_privileged_bits(req, *h);
      if (!reply.claim()) return;  // answered by its deadline: `h` closes its descriptor
      fi->fh = b.register_handle(ino, std::move(h));
      return reply.claimed_open(*fi);
    }
  }
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  // A rebalance move of this file holds us back for its rename and unlink; it does not start
  // while we are between the search and the handle registration.
  auto gate = b.open_gate().enter(*path);
  Found f = b.search(*snap, policy::Func::open, *path);
  if (f.err) return reply.result(f.err);
  const auto& br = snap->branches[f.branch];
  // The open runs on this thread (it registers the handle); a branch gone slow since the
  // search answers EIO, and the slot bounds how many workers a branch that hangs now can keep.
  auto guard = admit_healthy(*br.rt);
  if (!guard.admitted()) return reply.result(-EIO);
  int flags = branch_open_flags(*snap->config, fi->flags);
  int fd;
  if (S_ISLNK(f.st.st_mode) && snap->config->follow_symlinks != config::FollowSymlinks::never) {
    // follow-symlinks showed the target: open it (wherever the link points).
    fd = ::open((br.path + *path).c_str(), flags | O_CLOEXEC);
    if (fd < 0) fd = -errno;
  } else {
    break_link_if_asked(*snap->config, br.rt->root_fd(), *path, f.st, fi->flags);
    fd = fs::open(br.rt->root_fd(), *path, flags);
    if (fd == -EACCES) fd = open_with_nfs_hack(*snap->config, br.rt->root_fd(), *path, flags);
  }
  if (fd < 0) return reply.result(fd);
  auto h = new_file_handle(req, fd, br, *snap->config, fi);
  // open(O_TRUNC) truncates here (atomic_o_trunc): the kernel sends no set-ID change for it.
  if (fi->flags & O_TRUNC) clear_privileged_bits(req, *h);
  if (!reply.claim()) return;  // answered by its deadline: `h` closes its descriptor
  fi->fh = b.register_handle(ino, std::move(h));
  reply.claimed_open(*fi);
}

namespace {

// Read into this thread's buffer, then answer: the answer is claimed only once the data is in
// hand, so a read that hangs in its branch is still answered EIO by its deadline.
void read_to(Reply& reply, FileHandle& h, size_t size, off_t off) {
  thread_local std::vector<char> buf;
  if (buf.size() < size) buf.resize(size);
  std::shared_lock lk(*h.io);
  ssize_t n = ::pread(h.fd, buf.data(), size, off);
  if (n < 0) {
    int e = -errno;
    h.branch->note_error(e);
    return reply.result(e);
  }
  reply.buf(buf.data(), static_cast<size_t>(n));
}

}  // namespace

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  Reply reply(req);
  std::shared_ptr<FileHandle> h = file_of(req, fi);
  if (!h) return reply.buf(nullptr, 0);
  if (h->nullrw) {
    std::vector<char> zeros(size);
    return reply.buf(zeros.data(), size);  // nullrw: benchmarking the FUSE ceiling
  }
  on_branch(h->branch, reply, [h, size, off](Reply& r) { read_to(r, *h, size, off); });
}

// Linux (setattr_should_drop_suidgid) drops S_ISUID on a write or truncate by a process
// without CAP_FSETID, the owner included, and S_ISGID when group-execute is set or the writer
// is not in the file's group. The daemon writes as root with CAP_FSETID, and the kernel's FUSE
// client applies only part of the rule (not for open(O_TRUNC), not S_ISGID without
// group-execute), so the daemon applies it. Root stands for CAP_FSETID.
mode_t mode_after_write(fuse_req_t req, const struct stat& st) {
  mode_t m = st.st_mode & 07777;
  const Caller ctx = caller_of(req);
  if (ctx.uid == 0 || !S_ISREG(st.st_mode) || !(m & (S_ISUID | S_ISGID))) return m;
  m &= ~S_ISUID;
  if ((m & S_ISGID) && !(m & S_IXGRP)) {
    bool member = ctx.gid == st.st_gid;
    gid_t groups[64];
    int n = member ? 0 : caller_groups(ctx, groups, 64);
    for (int i = 0; i < n && i < 64; ++i) member = member || groups[i] == st.st_gid;
    if (member) return m;
  }
  return m & ~S_ISGID;
}

void clear_privileged_bits(fuse_req_t req, FileHandle& h) {
  if (!h.privileged_bits) return;
  struct stat st {};
  if (::fstat(h.fd, &st) < 0) return;
  mode_t m = mode_after_write(req, st);
  if (m != (st.st_mode & 07777)) ::fchmod(h.fd, m);
  h.privileged_bits = (m & (S_ISUID | S_ISGID)) != 0;
}

namespace {

void write_from(Reply& reply, FileHandle& h, const char* buf, size_t size, off_t off) {
  std::shared_lock lk(*h.io);
  clear_privileged_bits(reply.req(), h);
  ssize_t n = ::pwrite(h.fd, buf, size, off);
  if (n < 0) {
    int e = -errno;
    h.branch->note_error(e);
    Bridge& b = bridge_of(reply.req());
    if ((e == -ENOSPC || e == -EDQUOT) && b.snapshot()->config->moveonenospc.enabled &&
        b.migrations()) {
      lk.unlock();
      return start_move(b, reply, h, buf, size, off, e);
    }
    return reply.result(e);
  }
  // Tracked free space drops now, not at the next statvfs, so minfreespace is not overshot.
  h.branch->note_written(static_cast<uint64_t>(n));
  reply.write(static_cast<size_t>(n));
}

}  // namespace

void op_write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
              fuse_file_info* fi) {
  Reply reply(req);
  std::shared_ptr<FileHandle> h = file_of(req, fi);
  if (!h) return reply.result(-EBADF);
  if (h->nullrw) return reply.write(size);
  BranchEntry entry = enter_branch(*h->branch);
  switch (entry.route) {
    case Route::here: return write_from(reply, *h, buf, size, off);
    case Route::refused: return refuse(*h->branch, reply);
    case Route::executor: {
      // `buf` is the FUSE worker's, reused once this handler returns.
      auto data = std::make_shared<const std::string>(buf, size);
      return hand_over(h->branch, reply, [h, data, off](Reply& r) {
        write_from(r, *h, data->data(), data->size(), off);
      });
    }
  }
}

// A close's flush and an fsync wait for the branch at most until their deadline (a frozen
// branch answers EIO, as NFS may; raise branch-deadline for a disk whose writeback takes
// longer). A slow or failed branch gets neither: EIO at once.
void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Reply reply(req);
  std::shared_ptr<FileHandle> h = file_of(req, fi);
  if (!h) return reply.result(0);
  on_branch(h->branch, reply, [h](Reply& r) {
    // The branch sees a close (NFS and others flush on close), the handle stays open.
    int fd = ::dup(h->fd);
    if (fd < 0) return r.result(-errno);
    r.result(::close(fd) < 0 ? -errno : 0);
  });
}

void op_fsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  Reply reply(req);
  std::shared_ptr<FileHandle> h = file_of(req, fi);
  if (!h) return reply.result(0);
  on_branch(h->branch, reply, [h, datasync](Reply& r) {
    int rc = datasync ? ::fdatasync(h->fd) : ::fsync(h->fd);
    r.result(rc < 0 ? -errno : 0);
  });
}

void op_fallocate(fuse_req_t req, fuse_ino_t, int mode, off_t off, off_t len,
                  fuse_file_info* fi) {
  Reply reply(req);
  std::shared_ptr<FileHandle> h = file_of(req, fi);
  if (!h) return reply.result(-EBADF);
  on_branch(h->branch, reply, [h, mode, off, len](Reply& r) {
    if (::fallocate(h->fd, mode, off, len) < 0) {
      int e = -errno;
      h->branch->note_error(e);
      return r.result(e);
    }
    if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)))
      h->branch->note_written(static_cast<uint64_t>(len));
    r.result(0);
  });
}

void op_copy_file_range(fuse_req_t req, fuse_ino_t, off_t off_in, fuse_file_info* fi_in,
                        fuse_ino_t, off_t off_out, fuse_file_info* fi_out, size_t len,
                        int flags) {
  Reply reply(req);
  std::shared_ptr<FileHandle> in = file_of(req, fi_in);
  std::shared_ptr<FileHandle> out = file_of(req, fi_out);
  if (!in || !out) return reply.result(-EBADF);
  if (!out->branch->healthy()) return reply.result(-EIO);
  on_branch(in->branch, reply, [in, out, off_in, off_out, len, flags](Reply& r) {
    loff_t a = off_in, b = off_out;
    // Across branches this is EXDEV (or a copy by the kernel); callers fall back to read/write.
    ssize_t n = ::copy_file_range(in->fd, &a, out->fd, &b, len, static_cast<unsigned>(flags));
    if (n < 0) return r.result(-errno);
    out->branch->note_written(static_cast<uint64_t>(n));
    r.write(static_cast<size_t>(n));
  });
}

void op_lseek(fuse_req_t req, fuse_ino_t, off_t off, int whence, fuse_file_info* fi) {
  Reply reply(req);
  std::shared_ptr<FileHandle> h = file_of(req, fi);
  if (!h) return reply.result(-EBADF);
  on_branch(h->branch, reply, [h, off, whence](Reply& r) {
    off_t at = ::lseek(h->fd, off, whence);  // SEEK_DATA/SEEK_HOLE ask the branch
    if (at < 0) return r.result(-errno);
    r.lseek(at);
  });
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Reply reply(req);
  if (std::shared_ptr<FileHandle> h = file_of(req, fi)) {
    if (h->dropcache && h->branch->healthy()) {
      // Twice, as mergerfs does: the first pass may leave pages still being written back.
      ::posix_fadvise(h->fd, 0, 0, POSIX_FADV_DONTNEED);
      ::posix_fadvise(h->fd, 0, 0, POSIX_FADV_DONTNEED);
    }
    bridge_of(req).release_handle(ino, fi->fh);
  }
  reply.result(0);
}

}  // namespace mfs::bridge
