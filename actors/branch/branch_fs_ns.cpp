// Namespace syscalls beneath a branch root, and clonepath.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "actors/branch/branch_fs.hpp"

namespace mfs::fs {
namespace {

int ret(int r) { return r < 0 ? -errno : 0; }

const char* leaf_of(const ParentDir& p) { return p.leaf().empty() ? "." : p.leaf().c_str(); }

}  // namespace

int mkdir(int root_fd, std::string_view fusepath, mode_t mode) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  return ret(::mkdirat(p.fd(), leaf_of(p), mode));
}

int mknod(int root_fd, std::string_view fusepath, mode_t mode, dev_t dev) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  return ret(::mknodat(p.fd(), leaf_of(p), mode, dev));
}

int symlink(int root_fd, const char* target, std::string_view fusepath) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  return ret(::symlinkat(target, p.fd(), leaf_of(p)));
}

int unlink(int root_fd, std::string_view fusepath) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  return ret(::unlinkat(p.fd(), leaf_of(p), 0));
}

int rmdir(int root_fd, std::string_view fusepath) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  return ret(::unlinkat(p.fd(), leaf_of(p), AT_REMOVEDIR));
}

int remove(int root_fd, std::string_view fusepath) {
  int r = unlink(root_fd, fusepath);
  if (r == -EISDIR || r == -EPERM) r = rmdir(root_fd, fusepath);
  return r;
}

int rename(int root_fd, std::string_view from, std::string_view to, unsigned flags) {
  ParentDir a, b;
  if (int r = open_parent(root_fd, from, a); r < 0) return r;
  if (int r = open_parent(root_fd, to, b); r < 0) return r;
  return ret(static_cast<int>(
      ::syscall(SYS_renameat2, a.fd(), leaf_of(a), b.fd(), leaf_of(b), flags)));
}

int link(int root_fd, std::string_view from, std::string_view to) {
  ParentDir a, b;
  if (int r = open_parent(root_fd, from, a); r < 0) return r;
  if (int r = open_parent(root_fd, to, b); r < 0) return r;
  return ret(::linkat(a.fd(), leaf_of(a), b.fd(), leaf_of(b), 0));
}

int chmod(int root_fd, std::string_view fusepath, mode_t mode) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  struct stat st {};
  int flags = p.leaf().empty() ? AT_EMPTY_PATH : 0;
  if (::fstatat(p.fd(), p.leaf().c_str(), &st, flags | AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  if (S_ISLNK(st.st_mode)) return -EOPNOTSUPP;  // Linux has no lchmod
  return ret(::fchmodat(p.fd(), leaf_of(p), mode, 0));
}

int chown(int root_fd, std::string_view fusepath, uid_t uid, gid_t gid) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  int flags = AT_SYMLINK_NOFOLLOW | (p.leaf().empty() ? AT_EMPTY_PATH : 0);
  return ret(::fchownat(p.fd(), p.leaf().c_str(), uid, gid, flags));
}

int utimens(int root_fd, std::string_view fusepath, const struct timespec ts[2]) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  if (p.leaf().empty()) return ret(::futimens(p.fd(), ts));
  return ret(::utimensat(p.fd(), p.leaf().c_str(), ts, AT_SYMLINK_NOFOLLOW));
}

int truncate(int root_fd, std::string_view fusepath, off_t size) {
  int fd = open(root_fd, fusepath, O_WRONLY);
  if (fd < 0) return fd;
  int r = ret(::ftruncate(fd, size));
  ::close(fd);
  return r;
}

int setxattr(int root_fd, std::string_view fusepath, const char* name, const void* value,
             size_t size, int flags) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  std::string path = p.proc_path();
  return ret(p.leaf().empty() ? ::setxattr(path.c_str(), name, value, size, flags)
                              : ::lsetxattr(path.c_str(), name, value, size, flags));
}

int removexattr(int root_fd, std::string_view fusepath, const char* name) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  std::string path = p.proc_path();
  return ret(p.leaf().empty() ? ::removexattr(path.c_str(), name)
                              : ::lremovexattr(path.c_str(), name));
}

namespace {

// Best effort, like mergerfs's default clonepath: metadata failures are ignored.
void copy_metadata(int src_root, int dst_root, const std::string& path, const struct stat& st) {
  chown(dst_root, path, st.st_uid, st.st_gid);
  chmod(dst_root, path, st.st_mode & 07777);
  std::vector<char> names(64 * 1024);
  ssize_t n = listxattr(src_root, path, names.data(), names.size());
  for (ssize_t off = 0; n > 0 && off < n;) {
    const char* name = names.data() + off;
    off += static_cast<ssize_t>(std::char_traits<char>::length(name)) + 1;
    std::vector<char> value(64 * 1024);
    ssize_t vn = getxattr(src_root, path, name, value.data(), value.size());
    if (vn >= 0) setxattr(dst_root, path, name, value.data(), static_cast<size_t>(vn), 0);
  }
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  utimens(dst_root, path, ts);
}

}  // namespace

int clone_path(int src_root, int dst_root, std::string_view dir) {
  if (src_root == dst_root) return 0;
  // Create the whole chain first, then copy metadata deepest-first: making a child directory
  // would otherwise reset the parent's freshly copied mtime.
  std::vector<std::pair<std::string, struct stat>> made;
  std::string path;
  size_t pos = 0;
  int err = 0;
  while (pos < dir.size()) {
    size_t next = dir.find('/', pos + 1);
    if (next == std::string_view::npos) next = dir.size();
    std::string_view part = dir.substr(pos, next - pos);
    pos = next;
    if (part == "/" || part.empty()) continue;
    path.append(part);
    struct stat st {};
    if (int r = lstat(src_root, path, st); r < 0) {
      err = r;
      break;
    }
    if (!S_ISDIR(st.st_mode)) {
      err = -ENOTDIR;
      break;
    }
    int r = mkdir(dst_root, path, st.st_mode & 07777);
    if (r == -EEXIST) continue;
    if (r < 0) {
      err = r;
      break;
    }
    made.emplace_back(path, st);
  }
  for (auto it = made.rbegin(); it != made.rend(); ++it)
    copy_metadata(src_root, dst_root, it->first, it->second);
  return err;
}

}  // namespace mfs::fs
