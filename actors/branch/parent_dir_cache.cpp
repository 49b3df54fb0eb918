// The parent-directory descriptor cache: a small map under one mutex; descriptors are shared
// (a probe keeps its directory open even if the entry is evicted meanwhile).
#include "actors/branch/parent_dir_cache.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>


#include "actors/branch/branch_fs.hpp"
#include "messages/clock.hpp"
#include "messages/fuse_path.hpp"

namespace mfs::fs {
namespace {

constexpr size_t kMaxDirs = 1024;

}  // namespace

std::atomic<uint64_t> ParentDirCache::generation_{0};

ParentDirCache::Dir::~Dir() {
  if (fd >= 0) ::close(fd);
}

void ParentDirCache::namespace_changed() { generation_.fetch_add(1, std::memory_order_acq_rel); }

void ParentDirCache::set_ttl(double seconds) {
  ttl_ns_.store(seconds > 0 ? static_cast<int64_t>(seconds * 1e9) : 0, std::memory_order_relaxed);
  if (seconds <= 0) {
    std::lock_guard lk(mu_);
    dirs_.clear();
  }
}

void ParentDirCache::expire() {
  const int64_t now = steady_ns();
  const uint64_t gen = generation_.load(std::memory_order_acquire);
  std::lock_guard lk(mu_);
  for (auto it = dirs_.begin(); it != dirs_.end();)
    it = it->second.expires_ns <= now || it->second.generation != gen ? dirs_.erase(it) : std::next(it);
}

void ParentDirCache::clear() {
  std::lock_guard lk(mu_);
  dirs_.clear();
}

size_t ParentDirCache::size() const {
  std::lock_guard lk(mu_);
  return dirs_.size();
}

std::shared_ptr<ParentDirCache::Dir> ParentDirCache::lookup(int root_fd, const std::string& parent) {
  const int64_t ttl = ttl_ns_.load(std::memory_order_relaxed);
  const uint64_t gen = generation_.load(std::memory_order_acquire);
  const int64_t now = steady_ns();
  if (ttl > 0) {
    std::lock_guard lk(mu_);
    auto it = dirs_.find(parent);
    if (it != dirs_.end() && it->second.expires_ns > now && it->second.generation == gen)
      return it->second.dir;
  }
  ParentDir p;
  if (open_parent(root_fd, parent + "/x", p) < 0) return nullptr;
  auto dir = std::make_shared<Dir>(p.release());
  if (dir->fd < 0) return nullptr;
  if (ttl > 0) {
    std::lock_guard lk(mu_);
    if (dirs_.size() >= kMaxDirs) {
      for (auto it = dirs_.begin(); it != dirs_.end();)
        it = it->second.expires_ns <= now || it->second.generation != gen ? dirs_.erase(it) : std::next(it);
      if (dirs_.size() >= kMaxDirs) dirs_.clear();
    }
    dirs_[parent] = Entry{dir, now + ttl, gen};
  }
  return dir;
}

int ParentDirCache::lstat(int root_fd, std::string_view fusepath, struct stat& st) {
  const std::string_view parent_path = parent_of(fusepath);
  const std::string leaf(base_name(fusepath));
  // Names in the root, the root itself, and names that are not plain need no parent lookup.
  if (parent_path == "/" || leaf.empty() || leaf == "." || leaf == "..")
    return fs::lstat(root_fd, fusepath, st);
  std::string parent(parent_path);
  auto dir = lookup(root_fd, parent);
  if (!dir) return fs::lstat(root_fd, fusepath, st);  // the real error, from the real path
  if (::fstatat(dir->fd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  return 0;
}

}  // namespace mfs::fs
