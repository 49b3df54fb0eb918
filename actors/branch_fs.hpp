// Syscalls on one branch, confined beneath its root (openat2 RESOLVE_BENEATH). Errors are -errno.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>

namespace mfs::fs {

// A directory fd for the parent of a fusepath, and the last name. Owns the fd unless it is the
// branch root itself. The root path "/" gives leaf "" (use AT_EMPTY_PATH).
class ParentDir {
 public:
  ParentDir() = default;
  ParentDir(const ParentDir&) = delete;
  ParentDir& operator=(const ParentDir&) = delete;
  ~ParentDir();
  int fd() const { return fd_; }
  const std::string& leaf() const { return leaf_; }
  // "/proc/self/fd/N/leaf": for the xattr calls that have no *at() form.
  std::string proc_path() const;

 private:
  friend int open_parent(int root_fd, std::string_view fusepath, ParentDir& out);
  int fd_ = -1;
  bool owned_ = false;
  std::string leaf_;
};

// Resolves the parent directory of `fusepath` beneath `root_fd`.
int open_parent(int root_fd, std::string_view fusepath, ParentDir& out);

int lstat(int root_fd, std::string_view fusepath, struct stat& st);
// Opens beneath the root, never following a symlink in the last component. Returns fd or -errno.
int open(int root_fd, std::string_view fusepath, int flags, mode_t mode = 0);
// Opens a directory for reading beneath the root.
int open_dir(int root_fd, std::string_view fusepath);
int readlink(int root_fd, std::string_view fusepath, std::string& out);
ssize_t getxattr(int root_fd, std::string_view fusepath, const char* name, void* buf, size_t size);
ssize_t listxattr(int root_fd, std::string_view fusepath, char* buf, size_t size);
int access(int root_fd, std::string_view fusepath, int mask);

}  // namespace mfs::fs
