// Public entry points of the policy engine: branch facts in, chosen branches or an errno out.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "messages/branch_status.hpp"
#include "policy/policy_id.hpp"

namespace mfs::policy {

// One branch as policies see it, taken from the immutable pool snapshot.
struct BranchFacts {
  BranchMode mode = BranchMode::RW;
  uint64_t minfreespace = 0;  // effective floor for create policies (bytes)
  uint64_t avail = 0;         // f_bavail * f_frsize
  uint64_t used = 0;          // (f_blocks - f_bavail) * f_frsize
  uint64_t total = 0;         // used + avail
  bool statvfs_ok = true;     // statvfs on the branch root succeeded
  bool readonly_fs = false;   // mounted read-only (ST_RDONLY)
  bool healthy = true;        // false: branch is slow/failed; search and create skip it like a missing path
};

// Existence facts about a fusepath on a branch; implemented by the daemon with lstat + caches,
// by tests with fakes.
class PathProbe {
 public:
  virtual ~PathProbe() = default;
  virtual bool exists(size_t branch, std::string_view fusepath) const = 0;  // lstat succeeds (symlink counts)
  virtual std::optional<int64_t> mtime_ns(size_t branch, std::string_view fusepath) const = 0;  // for `newest`
};

// Random source for the pfrd/rand family; tests inject a deterministic one.
class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t below(uint64_t bound) = 0;  // uniform in [0,bound); 0 when bound is 0
};
Random& default_random();  // thread-safe (thread_local engine)

// Either a non-empty ordered list of branch indices, or err = -errno (-ENOENT/-ENOSPC/-EROFS),
// the sign of every error from syscall to reply.
struct Pick {
  int err = 0;
  std::vector<size_t> branches;
  bool ok() const { return err == 0; }
};

// fusepath for create is the PARENT directory of the object being created ("/" for root).
// Paths are absolute fusepaths starting with '/'.
Pick create(PolicyId, const std::vector<BranchFacts>&, const PathProbe&, std::string_view fusepath, Random&);
Pick action(PolicyId, const std::vector<BranchFacts>&, const PathProbe&, std::string_view fusepath, Random&);
Pick search(PolicyId, const std::vector<BranchFacts>&, const PathProbe&, std::string_view fusepath, Random&);
Pick run(Category, PolicyId, const std::vector<BranchFacts>&, const PathProbe&, std::string_view fusepath, Random&);

// True for every ep* and msp* policy; drives the rename/link algorithm choice.
bool path_preserving(PolicyId);

}  // namespace mfs::policy
