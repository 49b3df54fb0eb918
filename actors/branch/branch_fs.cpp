// Branch syscalls beneath a root fd. glibc 2.36 has no openat2 wrapper: raw syscall.
#include "actors/branch/branch_fs.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <climits>
#include <vector>

namespace mfs::fs {
namespace {

constexpr uint64_t kResolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

int sys_openat2(int dirfd, const char* path, uint64_t flags, uint64_t mode) {
  struct open_how how {};
  how.flags = flags;
  how.mode = mode;
  how.resolve = kResolve;
  long r;
  do {
    r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
  } while (r < 0 && errno == EAGAIN);
  return r < 0 ? -errno : static_cast<int>(r);
}

// "a/b/c" from "/a/b/c"; "" for "/".
std::string_view relative(std::string_view fusepath) {
  while (!fusepath.empty() && fusepath.front() == '/') fusepath.remove_prefix(1);
  return fusepath;
}

}  // namespace

ParentDir::~ParentDir() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

int ParentDir::release() {
  if (!owned_) return ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  owned_ = false;
  return fd_;
}

std::string ParentDir::proc_path() const {
  std::string p = "/proc/self/fd/" + std::to_string(fd_);
  if (!leaf_.empty()) {
    p.push_back('/');
    p.append(leaf_);
  }
  return p;
}

int open_parent(int root_fd, std::string_view fusepath, ParentDir& out) {
  if (root_fd < 0) return -ENOENT;
  std::string_view rel = relative(fusepath);
  auto slash = rel.rfind('/');
  if (slash == std::string_view::npos) {
    out.fd_ = root_fd;
    out.owned_ = false;
    out.leaf_ = std::string(rel);
    return 0;
  }
  std::string dir(rel.substr(0, slash));
  int fd = sys_openat2(root_fd, dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  out.fd_ = fd;
  out.owned_ = true;
  out.leaf_ = std::string(rel.substr(slash + 1));
  return 0;
}

int lstat(int root_fd, std::string_view fusepath, struct stat& st) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  int flags = AT_SYMLINK_NOFOLLOW | (p.leaf().empty() ? AT_EMPTY_PATH : 0);
  if (::fstatat(p.fd(), p.leaf().c_str(), &st, flags) < 0) return -errno;
  return 0;
}

int open(int root_fd, std::string_view fusepath, int flags, mode_t mode) {
  if (root_fd < 0) return -ENOENT;
  std::string rel(relative(fusepath));
  if (rel.empty()) rel = ".";
  return sys_openat2(root_fd, rel.c_str(), static_cast<uint64_t>(flags) | O_NOFOLLOW | O_CLOEXEC,
                     (flags & (O_CREAT | O_TMPFILE)) ? (mode & 07777) : 0);
}

int for_each_entry(int fd, const std::function<bool(const char*, ino_t, unsigned char)>& each) {
  struct linux_dirent64 {
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
  };
  std::vector<char> buf(64 * 1024);
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf.data(), buf.size());
    if (n < 0) return -errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      auto* de = reinterpret_cast<linux_dirent64*>(buf.data() + off);
      off += de->d_reclen;
      if (!each(de->d_name, de->d_ino, de->d_type)) return 0;
    }
  }
}

int open_dir(int root_fd, std::string_view fusepath) {
  return open(root_fd, fusepath, O_RDONLY | O_DIRECTORY);
}

int readlink(int root_fd, std::string_view fusepath, std::string& out) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  char buf[PATH_MAX + 1];
  ssize_t n = ::readlinkat(p.fd(), p.leaf().empty() ? "." : p.leaf().c_str(), buf, PATH_MAX);
  if (n < 0) return -errno;
  out.assign(buf, static_cast<size_t>(n));
  return 0;
}

ssize_t getxattr(int root_fd, std::string_view fusepath, const char* name, void* buf,
                 size_t size) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  // The root's proc path is a magic link that must be followed; a leaf must not be.
  ssize_t n = p.leaf().empty() ? ::getxattr(p.proc_path().c_str(), name, buf, size)
                               : ::lgetxattr(p.proc_path().c_str(), name, buf, size);
  return n < 0 ? -errno : n;
}

ssize_t listxattr(int root_fd, std::string_view fusepath, char* buf, size_t size) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  ssize_t n = p.leaf().empty() ? ::listxattr(p.proc_path().c_str(), buf, size)
                               : ::llistxattr(p.proc_path().c_str(), buf, size);
  return n < 0 ? -errno : n;
}

int access(int root_fd, std::string_view fusepath, int mask) {
  ParentDir p;
  if (int r = open_parent(root_fd, fusepath, p); r < 0) return r;
  int flags = AT_EACCESS | AT_SYMLINK_NOFOLLOW | (p.leaf().empty() ? AT_EMPTY_PATH : 0);
  if (::faccessat(p.fd(), p.leaf().empty() ? "" : p.leaf().c_str(), mask, flags) < 0) return -errno;
  return 0;
}

}  // namespace mfs::fs
