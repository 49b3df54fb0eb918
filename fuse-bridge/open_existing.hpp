// The two things mergerfs does around the open of an existing file (FEATURES.md §4.7):
// link-cow before it, nfsopenhack after an EACCES.
#pragma once
#include <sys/stat.h>

#include <string>

#include "config/config.hpp"

namespace mfs::bridge {

// link-cow: an open for write of a regular file with several hard links first copies it
// beside itself and renames the copy over the name, so the write reaches only this name.
// Best effort, as in mergerfs: when the copy fails the open goes ahead on the shared inode.
void break_link_if_asked(const config::Config& cfg, int root_fd, const std::string& path,
                         const struct stat& st, int flags);

// nfsopenhack: an open for write that got EACCES on an empty file without owner write
// permission (NFS clients create 0444 files and open them for write afterwards, git does)
// is retried with u+w,g+w added for the duration of the open. Returns the fd or -errno
// (EACCES when the hack does not apply).
int open_with_nfs_hack(const config::Config& cfg, int root_fd, const std::string& path,
                       int flags);

}  // namespace mfs::bridge
