// Internal: the §2.3 per-branch filters that decide which branches a policy may consider.
#pragma once
#include <cerrno>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace mfs::policy::detail {

// Branches that passed, in pool order, and the precedence-merged error of those that did not
// (starting from ENOENT, so an empty pool answers ENOENT).
struct Eligible {
  std::vector<size_t> branches;
  int err = -ENOENT;
};

// RO/NC -> EROFS, unhealthy -> ENOENT, [ep: path missing -> ENOENT], statvfs failed -> ENOENT,
// read-only mount -> EROFS, avail < minfreespace -> ENOSPC. The order fixes which error a
// branch that fails several filters contributes.
Eligible eligible_create(const std::vector<BranchFacts>&, const PathProbe&, std::string_view path, bool need_path);

// RO -> EROFS, unhealthy -> EIO, path missing -> ENOENT, statvfs failed -> ENOENT, read-only
// mount -> EROFS. NC passes. An unhealthy branch is not a candidate (a dead first branch must
// not turn every `ff` action into EIO) but its EIO outranks ENOENT: a path whose only copies
// may be there answers EIO, while a copy on a healthy branch is still acted on.
Eligible eligible_action(const std::vector<BranchFacts>&, const PathProbe&, std::string_view path);

// Existence only (unhealthy skipped); space-based searches also skip a failed statvfs.
// Never anything but ENOENT. `first_only` (ff): stop at the first hit, so the branches after it
// are never asked (a slow or hung later branch costs a found name nothing).
Eligible eligible_search(const std::vector<BranchFacts>&, const PathProbe&, std::string_view path, bool need_statvfs,
                         bool first_only);

}  // namespace mfs::policy::detail
