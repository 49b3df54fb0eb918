// Runs a block as the requesting process: fsuid/fsgid and supplementary groups, set on this
// thread only (raw syscalls; glibc's wrappers would change every thread), restored on scope exit.
#pragma once
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/types.h>

namespace mfs::bridge {

class AsCaller {
 public:
  explicit AsCaller(fuse_req_t req);
  ~AsCaller();
  AsCaller(const AsCaller&) = delete;
  AsCaller& operator=(const AsCaller&) = delete;

 private:
  bool switched_ = false;
};

// The caller's umask applied to `mode` (the kernel leaves it to us: FUSE_CAP_DONT_MASK).
mode_t apply_umask(fuse_req_t req, mode_t mode);

}  // namespace mfs::bridge
