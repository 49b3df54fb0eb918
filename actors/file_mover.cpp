// The copy step of a move: temp file, data (copy_file_range, then read/write), metadata, verify,
// rename into place.
#include "actors/file_mover.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <random>
#include <vector>

#include "actors/branch_fs.hpp"

namespace mfs::fs {
namespace {

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

int copy_data(int in, int out, off_t size) {
  loff_t off_in = 0, off_out = 0;
  while (off_in < size) {
    ssize_t n = ::copy_file_range(in, &off_in, out, &off_out, static_cast<size_t>(size - off_in), 0);
    if (n > 0) continue;
    if (n == 0) break;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return -errno;
    std::vector<char> buf(1 << 20);
    for (;;) {
      ssize_t r = ::pread(in, buf.data(), buf.size(), off_in);
      if (r < 0) return -errno;
      if (r == 0) return 0;
      for (ssize_t w = 0; w < r;) {
        ssize_t k = ::pwrite(out, buf.data() + w, static_cast<size_t>(r - w), off_out);
        if (k < 0) return -errno;
        w += k;
        off_out += k;
      }
      off_in += r;
    }
  }
  return 0;
}

void copy_xattrs(int in, int out) {
  std::vector<char> names(64 * 1024);
  ssize_t n = ::flistxattr(in, names.data(), names.size());
  std::vector<char> value(64 * 1024);
  for (ssize_t off = 0; n > 0 && off < n;) {
    const char* name = names.data() + off;
    off += static_cast<ssize_t>(std::char_traits<char>::length(name)) + 1;
    ssize_t vn = ::fgetxattr(in, name, value.data(), value.size());
    if (vn >= 0) ::fsetxattr(out, name, value.data(), static_cast<size_t>(vn), 0);
  }
}

bool same_version(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ctim.tv_sec == b.st_ctim.tv_sec &&
         a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// One attempt; -EAGAIN if the source changed meanwhile.
int copy_once(int src_root, int dst_root, const std::string& path, const std::string& tmp) {
  int in = open(src_root, path, O_RDONLY);
  if (in < 0) return in;
  struct stat before {};
  if (::fstat(in, &before) < 0) {
    int e = -errno;
    ::close(in);
    return e;
  }
  int out = open(dst_root, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (out < 0) {
    ::close(in);
    return out;
  }
  int r = copy_data(in, out, before.st_size);
  if (r == 0) {
    copy_xattrs(in, out);
    if (::fchown(out, before.st_uid, before.st_gid) < 0) {
    }
    ::fchmod(out, before.st_mode & 07777);
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    ::futimens(out, ts);
    if (::fsync(out) < 0) r = -errno;
  }
  struct stat after {};
  if (r == 0 && (::fstat(in, &after) < 0 || !same_version(before, after))) r = -EAGAIN;
  ::close(out);
  ::close(in);
  return r;
}

}  // namespace

int copy_to_branch(int src_root, int dst_root, const std::string& path) {
  std::string dir = parent_dir(path);
  if (int r = clone_path(src_root, dst_root, dir); r < 0) return r;
  std::mt19937_64 rng(std::random_device{}());
  const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  int r = -EAGAIN;
  for (int attempt = 0; attempt < 5 && (r == -EAGAIN || r == -EEXIST); ++attempt) {
    std::string tmp = (dir == "/" ? "" : dir) + "/." + base_name(path) + "_";
    for (int i = 0; i < 6; ++i) tmp.push_back(alphabet[rng() % 36]);
    r = copy_once(src_root, dst_root, path, tmp);
    if (r == 0) r = rename(dst_root, tmp, path);
    if (r < 0 && r != -EEXIST) unlink(dst_root, tmp);  // only a temp file we made
  }
  return r;
}

}  // namespace mfs::fs
