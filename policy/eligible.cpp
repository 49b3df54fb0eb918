// The §2.3 filtering rules for create, action and search, with error precedence.
#include "policy/eligible.hpp"

#include "policy/aggregate.hpp"

namespace mfs::policy::detail {

Eligible eligible_create(const std::vector<BranchFacts>& bs, const PathProbe& probe, std::string_view path,
                         bool need_path) {
  Eligible out;
  for (size_t i = 0; i < bs.size(); ++i) {
    const BranchFacts& b = bs[i];
    int err = 0;
    if (b.mode != BranchMode::RW)
      err = -EROFS;
    else if (!b.healthy)  // checked before the probe so a hung branch is never touched
      err = -ENOENT;
    else if (need_path && !probe.exists(i, path))
      err = -ENOENT;
    else if (!b.statvfs_ok)
      err = -ENOENT;
    else if (b.readonly_fs)
      err = -EROFS;
    else if (b.avail < b.minfreespace)
      err = -ENOSPC;
    if (err)
      out.err = merge_errno(out.err, err);
    else
      out.branches.push_back(i);
  }
  return out;
}

Eligible eligible_action(const std::vector<BranchFacts>& bs, const PathProbe& probe, std::string_view path) {
  Eligible out;
  for (size_t i = 0; i < bs.size(); ++i) {
    const BranchFacts& b = bs[i];
    int err = 0;
    if (b.mode == BranchMode::RO)
      err = -EROFS;
    else if (!b.healthy)  // the path may be there: EIO (outranks ENOENT), never a probe
      err = -EIO;
    else if (!probe.exists(i, path))
      err = -ENOENT;
    else if (!b.statvfs_ok)
      err = -ENOENT;
    else if (b.readonly_fs)
      err = -EROFS;
    if (err)
      out.err = merge_errno(out.err, err);
    else
      out.branches.push_back(i);
  }
  return out;
}

Eligible eligible_search(const std::vector<BranchFacts>& bs, const PathProbe& probe, std::string_view path,
                         bool need_statvfs, bool first_only) {
  Eligible out;
  for (size_t i = 0; i < bs.size(); ++i) {
    const BranchFacts& b = bs[i];
    if (!b.healthy || !probe.exists(i, path)) continue;
    if (need_statvfs && !b.statvfs_ok) continue;
    out.branches.push_back(i);
    if (first_only) break;
  }
  return out;
}

}  // namespace mfs::policy::detail
