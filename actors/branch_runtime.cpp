// Root fd and free-space figures of one branch.
#include "actors/branch_runtime.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace mfs {

BranchRuntime::BranchRuntime(std::string path) : path_(std::move(path)) {
  root_fd_ = ::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) {
    health_ = BranchHealth::failed;
    return;
  }
  struct stat st {};
  if (::fstat(root_fd_, &st) == 0) dev_ = st.st_dev;
  refresh_space();
}

BranchRuntime::~BranchRuntime() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

uint64_t BranchRuntime::avail() const {
  uint64_t a = avail_.load(std::memory_order_relaxed);
  uint64_t w = written_.load(std::memory_order_relaxed);
  return a > w ? a - w : 0;
}

uint64_t BranchRuntime::used() const {
  uint64_t t = total();
  uint64_t a = avail();
  return t > a ? t - a : 0;
}

int BranchRuntime::refresh_space() {
  if (root_fd_ < 0) return -ENOENT;
  struct statvfs sv {};
  if (::fstatvfs(root_fd_, &sv) < 0) {
    statvfs_ok_ = false;
    return -errno;
  }
  uint64_t avail = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
  uint64_t used = static_cast<uint64_t>(sv.f_blocks - sv.f_bavail) * sv.f_frsize;
  avail_.store(avail, std::memory_order_relaxed);
  total_.store(avail + used, std::memory_order_relaxed);
  written_.store(0, std::memory_order_relaxed);
  readonly_fs_ = (sv.f_flag & ST_RDONLY) != 0;
  statvfs_ok_ = true;
  return 0;
}

}  // namespace mfs
