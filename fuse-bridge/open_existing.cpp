// link-cow and nfsopenhack: see open_existing.hpp.
#include "fuse-bridge/open_existing.hpp"

#include <errno.h>
#include <fcntl.h>

#include "actors/branch/branch_fs.hpp"
#include "actors/migration/file_mover.hpp"

namespace mfs::bridge {
namespace {

bool opens_for_write(int flags) { return (flags & O_ACCMODE) != O_RDONLY; }

}  // namespace

void break_link_if_asked(const config::Config& cfg, int root_fd, const std::string& path,
                         const struct stat& st, int flags) {
  if (!cfg.link_cow || !opens_for_write(flags) || !S_ISREG(st.st_mode) || st.st_nlink < 2)
    return;
  // The copy lands in a temp file on the same branch and is renamed over `path`: the other
  // names keep the old inode, untouched.
  (void)fs::copy_to_branch(root_fd, root_fd, path);
}

int open_with_nfs_hack(const config::Config& cfg, int root_fd, const std::string& path,
                       int flags) {
  using config::NfsOpenHack;
  if (cfg.nfsopenhack == NfsOpenHack::off || !opens_for_write(flags)) return -EACCES;
  if (cfg.nfsopenhack == NfsOpenHack::git && path.find("/.git/") == std::string::npos)
    return -EACCES;
  struct stat st {};
  if (fs::lstat(root_fd, path, st) < 0) return -EACCES;
  if (!S_ISREG(st.st_mode) || st.st_size != 0 || (st.st_mode & S_IWUSR)) return -EACCES;
  mode_t mode = st.st_mode & 07777;
  if (int r = fs::chmod(root_fd, path, mode | S_IWUSR | S_IWGRP); r < 0) return -EACCES;
  int fd = fs::open(root_fd, path, flags);
  fs::chmod(root_fd, path, mode);  // restore whether or not the open worked
  return fd;
}

}  // namespace mfs::bridge
