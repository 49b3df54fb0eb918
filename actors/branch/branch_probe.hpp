// The PathProbe policies use during one request: lstat on branches, remembered for the request.
#pragma once
#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/coordinator/pool_snapshot.hpp"
#include "policy/policy.hpp"

namespace mfs {

class BranchProbe final : public policy::PathProbe {
 public:
  // Mutations pass use_cache=false: they must see every copy, cached or not.
  explicit BranchProbe(const PoolSnapshot& snap, bool use_cache = true)
      : snap_(snap), use_cache_(use_cache) {}
  bool exists(size_t branch, std::string_view fusepath) const override;
  std::optional<int64_t> mtime_ns(size_t branch, std::string_view fusepath) const override;
  // The lstat result (0 or -errno) for (branch, path) if probed; probes it now otherwise.
  int stat(size_t branch, std::string_view fusepath, struct stat& st) const;

 private:
  struct Memo {
    size_t branch;
    std::string path;
    int err;  // 0 or -errno of the lstat
    struct stat st;
  };
  const Memo& probe(size_t branch, std::string_view fusepath) const;
  const PoolSnapshot& snap_;
  bool use_cache_;
  mutable std::vector<Memo> memo_;
};

// Policy inputs for every branch of a snapshot.
std::vector<policy::BranchFacts> branch_facts(const PoolSnapshot& snap);

}  // namespace mfs
