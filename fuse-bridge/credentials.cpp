// Per-thread credential switching for creates (setfsuid/setfsgid/setgroups are per-thread
// when called as raw syscalls).
#include "fuse-bridge/credentials.hpp"

#include "fuse-bridge/request_deadlines.hpp"

#include <grp.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace mfs::bridge {

AsCaller::AsCaller(fuse_req_t req) {
  const Caller c = caller_of(req);
  if (c.uid == 0 && c.gid == 0) return;
  gid_t groups[64];
  int n = caller_groups(c, groups, 64);
  if (n < 0) n = 0;
  if (n > 64) n = 64;
  ::syscall(SYS_setgroups, static_cast<size_t>(n), groups);
  ::syscall(SYS_setfsgid, c.gid);
  ::syscall(SYS_setfsuid, c.uid);
  switched_ = true;
}

AsCaller::~AsCaller() {
  if (!switched_) return;
  ::syscall(SYS_setfsuid, 0);
  ::syscall(SYS_setfsgid, 0);
  ::syscall(SYS_setgroups, size_t{0}, nullptr);
}

mode_t apply_umask(fuse_req_t req, mode_t mode) {
  return mode & ~caller_of(req).umask;
}

}  // namespace mfs::bridge
