// Internal: how a policy narrows its eligible branches to the answer (the "which one" half of §2.4).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace mfs::policy::detail {

enum class Choose : uint8_t {
  first,           // ff, epff
  all,             // all, epall
  most_avail,      // mfs, epmfs, mspmfs: ties to the later branch
  least_avail,     // lfs, eplfs, msplfs: ties to the later branch
  least_used,      // lus, eplus, msplus: ties to the first branch
  least_used_pct,  // lup: ties to the first branch
  weighted_avail,  // pfrd, eppfrd, msppfrd
  one_random,      // rand, eprand
  newest,          // newest: largest mtime, ties to the later branch
};

// Search variants that compare space read statvfs and so skip branches where it failed.
bool reads_space(Choose);

// Narrows a non-empty candidate list (pool order). Only `newest` can return an empty list, when
// every candidate's mtime vanished between the existence check and the stat.
std::vector<size_t> choose(Choose, const std::vector<size_t>& candidates, const std::vector<BranchFacts>&,
                           const PathProbe&, std::string_view path, Random&);

size_t choose_most_avail(const std::vector<size_t>&, const std::vector<BranchFacts>&);
size_t choose_least_avail(const std::vector<size_t>&, const std::vector<BranchFacts>&);
size_t choose_least_used(const std::vector<size_t>&, const std::vector<BranchFacts>&);
size_t choose_least_used_pct(const std::vector<size_t>&, const std::vector<BranchFacts>&);
size_t choose_weighted_avail(const std::vector<size_t>&, const std::vector<BranchFacts>&, Random&);
size_t choose_one_random(const std::vector<size_t>&, Random&);
std::vector<size_t> choose_newest(const std::vector<size_t>&, const PathProbe&, std::string_view path);

}  // namespace mfs::policy::detail
