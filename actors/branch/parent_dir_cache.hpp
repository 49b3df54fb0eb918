// Per-branch cache of parent-directory descriptors for the probes on the request path: a
// probe of /a/b/name resolves /a/b beneath the branch root (openat2 RESOLVE_BENEATH) once, and
// later probes of names in the same directory cost one fstatat. Entries live for the branch's
// existence-cache TTL (out-of-band renames of a directory show within it, as out-of-band
// creates do) and are dropped at once when a directory is renamed or removed through the pool.
#pragma once
#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mfs::fs {

class ParentDirCache {
 public:
  ParentDirCache() = default;
  ParentDirCache(const ParentDirCache&) = delete;
  ParentDirCache& operator=(const ParentDirCache&) = delete;

  // lstat of `fusepath` beneath `root_fd`, as fs::lstat. 0 or -errno.
  int lstat(int root_fd, std::string_view fusepath, struct stat& st);
  // <= 0 turns the cache off (every probe resolves its parent).
  void set_ttl(double seconds);
  size_t size() const;
  // Closes the descriptors of expired entries (the branch actor's tick): an idle pool holds none.
  void expire();
  // Drops every entry (the branch root was reopened: they lead into the old tree).
  void clear();

  // A directory was renamed or removed through the pool: every branch's entries are stale.
  static void namespace_changed();

 private:
  struct Dir {
    explicit Dir(int f) : fd(f) {}
    ~Dir();
    int fd;
  };
  struct Entry {
    std::shared_ptr<Dir> dir;
    int64_t expires_ns;
    uint64_t generation;
  };
  std::shared_ptr<Dir> lookup(int root_fd, const std::string& parent);

  static std::atomic<uint64_t> generation_;
  std::atomic<int64_t> ttl_ns_{1000000000};
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> dirs_;
};

}  // namespace mfs::fs
