// The steps of a move: staging file, data (copy_file_range in chunks, then read/write),
// metadata, verify, rename into place, source unlink; and move_file, which runs them in order.
#include "actors/migration/file_mover.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <random>
#include <vector>

#include "actors/branch/branch_fs.hpp"
#include "actors/migration/test_hooks.hpp"
#include "messages/fuse_path.hpp"
#include "messages/staging.hpp"

namespace mfs::fs {
namespace {

constexpr size_t kChunk = 8 << 20;  // progress, cancel and the test delay act per chunk

int copy_data(int in, int out, off_t size, const CopyProgress& progress) {
  loff_t off_in = 0, off_out = 0;
  bool plain = false;  // copy_file_range refused: read/write
  std::vector<char> buf;
  while (off_in < size) {
    size_t want = static_cast<size_t>(std::min<off_t>(size - off_in, kChunk));
    if (!plain) {
      ssize_t n = ::copy_file_range(in, &off_in, out, &off_out, want, 0);
      if (n == 0) break;
      if (n < 0) {
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
          return -errno;
        plain = true;
        buf.resize(1 << 20);
        continue;
      }
    } else {
      size_t done = 0;
      while (done < want) {
        ssize_t r = ::pread(in, buf.data(), std::min(buf.size(), want - done), off_in);
        if (r < 0) return -errno;
        if (r == 0) return 0;  // the file shrank: the version check catches it
        for (ssize_t w = 0; w < r;) {
          ssize_t k = ::pwrite(out, buf.data() + w, static_cast<size_t>(r - w), off_out);
          if (k < 0) return -errno;
          w += k;
          off_out += k;
        }
        off_in += r;
        done += static_cast<size_t>(r);
      }
    }
    test_hooks::copy_chunk_delay();
    if (progress && !progress(static_cast<uint64_t>(off_in))) return -ECANCELED;
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
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

}  // namespace

int ensure_staging(int root_fd) {
  int r = fs::mkdir(root_fd, kStagingPath, 0700);
  return r == -EEXIST ? 0 : r;
}

std::string staging_name(const std::string& path) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string leaf(base_name(path).substr(0, 200));
  std::string name = std::string(kStagingPath) + "/" + leaf + "_";
  for (int i = 0; i < 6; ++i) name.push_back(alphabet[rng() % 36]);
  return name;
}

int stage_copy(int src_root, int dst_root, const std::string& path, const std::string& name,
               StagedFile& staged, const CopyProgress& progress) {
  if (int r = ensure_staging(dst_root); r < 0) return r;
  int in = open(src_root, path, O_RDONLY);
  if (in < 0) return in;
  struct stat before {};
  if (::fstat(in, &before) < 0) {
    int e = -errno;
    ::close(in);
    return e;
  }
  int out = open(dst_root, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (out == -ENOENT && ensure_staging(dst_root) == 0)  // another move removed it meanwhile
    out = open(dst_root, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (out < 0) {
    ::close(in);
    return out;
  }
  test_hooks::crash_point("temp-created");
  int r = copy_data(in, out, before.st_size, progress);
  if (r == 0) {
    copy_xattrs(in, out);
    if (::fchown(out, before.st_uid, before.st_gid) < 0) {
    }
    ::fchmod(out, before.st_mode & 07777);
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    ::futimens(out, ts);
    if (::fsync(out) < 0) r = -errno;
  }
  struct stat after {}, mine {};
  if (r == 0 && (::fstat(in, &after) < 0 || !same_version(before, after))) r = -EAGAIN;
  if (r == 0 && ::fstat(out, &mine) < 0) r = -errno;
  ::close(out);
  ::close(in);
  if (r < 0) {
    unlink(dst_root, name);  // only the staging file we made
    return r;
  }
  staged.name = name;
  staged.ino = mine.st_ino;
  staged.source = before;
  test_hooks::crash_point("copied");
  return 0;
}

bool source_unchanged(int src_root, const std::string& path, const StagedFile& staged) {
  struct stat now {};
  return lstat(src_root, path, now) == 0 && same_version(staged.source, now);
}

int commit_staged(int src_root, int dst_root, const StagedFile& staged, const std::string& path,
                  unsigned flags) {
  if (int r = clone_path(src_root, dst_root, parent_of(path)); r < 0) return r;
  int r = rename(dst_root, staged.name, path, flags);
  if (r == 0) test_hooks::crash_point("renamed");
  return r;
}

int copy_to_branch(int src_root, int dst_root, const std::string& path) {
  int r = -EAGAIN;
  for (int attempt = 0; attempt < 5 && (r == -EAGAIN || r == -EEXIST); ++attempt) {
    StagedFile staged;
    r = stage_copy(src_root, dst_root, path, staging_name(path), staged);
    if (r < 0) continue;
    r = commit_staged(src_root, dst_root, staged, path, 0);
    if (r < 0) unlink(dst_root, staged.name);
  }
  rmdir(dst_root, kStagingPath);  // only if empty: other moves may be using it
  return r;
}

void release_staging(int root_fd) { rmdir(root_fd, kStagingPath); }

MoveResult move_file(int src_root, int dst_root, const std::string& path,
                     const std::string& staged_name, unsigned rename_flags,
                     const MoveHooks& hooks) {
  StagedFile staged;
  if (int r = stage_copy(src_root, dst_root, path, staged_name, staged, hooks.progress); r < 0)
    return {r, MoveStep::copy};
  auto drop = [&](int err, MoveStep step) {
    unlink(dst_root, staged.name);
    return MoveResult{err, step};
  };
  if (hooks.staged)
    if (int r = hooks.staged(staged); r < 0) return drop(r, MoveStep::staged);
  if (hooks.hold && !hooks.hold()) return drop(-EBUSY, MoveStep::hold);
  if (!source_unchanged(src_root, path, staged)) return drop(-EAGAIN, MoveStep::verify);
  if (int r = commit_staged(src_root, dst_root, staged, path, rename_flags); r < 0)
    return drop(r, MoveStep::rename);
  if (hooks.committed) hooks.committed();
  int r = unlink(src_root, path);
  test_hooks::crash_point("source-unlinked");
  return r < 0 ? MoveResult{r, MoveStep::unlink} : MoveResult{};
}

}  // namespace mfs::fs
