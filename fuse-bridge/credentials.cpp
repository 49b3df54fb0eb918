// Per-thread credential switching for creates (setfsuid/setfsgid/setgroups are per-thread
// when called as raw syscalls).
#include "fuse-bridge/credentials.hpp"

#include <grp.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace mfs::bridge {

AsCaller::AsCaller(fuse_req_t req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx->uid == 0 && ctx->gid == 0) return;
  gid_t groups[64];
  int n = fuse_req_getgroups(req, 64, groups);
  if (n < 0) n = 0;
  if (n > 64) n = 64;
  ::syscall(SYS_setgroups, static_cast<size_t>(n), groups);
  ::syscall(SYS_setfsgid, ctx->gid);
  ::syscall(SYS_setfsuid, ctx->uid);
  switched_ = true;
}

AsCaller::~AsCaller() {
  if (!switched_) return;
  ::syscall(SYS_setfsuid, 0);
  ::syscall(SYS_setfsgid, 0);
  ::syscall(SYS_setgroups, size_t{0}, nullptr);
}

mode_t apply_umask(fuse_req_t req, mode_t mode) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  return mode & ~ctx->umask;
}

}  // namespace mfs::bridge
