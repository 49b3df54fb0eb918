// Syscalls on one branch, confined beneath its root (openat2 RESOLVE_BENEATH). Errors are -errno.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
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
  // Hands the descriptor to the caller (a duplicate when it is the branch root, not owned here).
  int release();

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
// Every entry of the open directory `fd` ("." and ".." included), read with getdents64 from its
// current offset; `each` returns false to stop early. 0, or -errno of a failed read.
int for_each_entry(int fd, const std::function<bool(const char* name, ino_t ino, unsigned char type)>& each);
ssize_t getxattr(int root_fd, std::string_view fusepath, const char* name, void* buf, size_t size);
ssize_t listxattr(int root_fd, std::string_view fusepath, char* buf, size_t size);
int access(int root_fd, std::string_view fusepath, int mask);

}  // namespace mfs::fs

namespace mfs::fs {

// Namespace changes beneath a branch root. Each resolves the parent with RESOLVE_BENEATH and
// acts on the last name without following it.
int mkdir(int root_fd, std::string_view fusepath, mode_t mode);
int mknod(int root_fd, std::string_view fusepath, mode_t mode, dev_t dev);
int symlink(int root_fd, const char* target, std::string_view fusepath);
int unlink(int root_fd, std::string_view fusepath);
int rmdir(int root_fd, std::string_view fusepath);
int rename(int root_fd, std::string_view from, std::string_view to, unsigned flags = 0);
int link(int root_fd, std::string_view from, std::string_view to);
int chmod(int root_fd, std::string_view fusepath, mode_t mode);
int chown(int root_fd, std::string_view fusepath, uid_t uid, gid_t gid);
int utimens(int root_fd, std::string_view fusepath, const struct timespec ts[2]);
int truncate(int root_fd, std::string_view fusepath, off_t size);
int setxattr(int root_fd, std::string_view fusepath, const char* name, const void* value,
             size_t size, int flags);
int removexattr(int root_fd, std::string_view fusepath, const char* name);
// Removes a file or an empty directory (cleanup of copies on other branches).
int remove(int root_fd, std::string_view fusepath);

// Recreates the directory chain of `dir` (a fusepath) on `dst_root`, copying mode, owner,
// times and xattrs from `src_root` (FEATURES.md §4.1). Existing levels are left untouched.
// Only lstat and mkdir failures are errors.
int clone_path(int src_root, int dst_root, std::string_view dir);

}  // namespace mfs::fs
