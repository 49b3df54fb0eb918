// Action fan-out: the action policy picks branches, the op runs on each, results are collected
// as (branch, 0 or -errno) for the aggregators in policy/aggregate.hpp.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuse-bridge/bridge.hpp"
#include "messages/fuse_path.hpp"  // join_path, parent_of: most users of the fan-out need them

namespace mfs::bridge {

using BranchResults = std::vector<std::pair<size_t, int>>;
// Returns the policy's error (-errno) or 0 with `results` filled. A branch that is not
// healthy answers EIO without a syscall.
int run_action(const Bridge& b, const PoolSnapshot& snap, policy::Func f, const std::string& path,
               const std::function<int(const BranchSlot&)>& op, BranchResults& results);
// fs::clone_path from `src` onto `dst` (the parent chain of a create, rename or link), holding
// a slot on each; -EIO with no syscall where one is refused (branch_call.hpp: admit_healthy).
int clone_path_onto(BranchState& src, BranchState& dst, std::string_view dir);
// §4.5's rule: mixed results resolved by where the search policy `search_fn` finds the path.
int resolve_action(const Bridge& b, const PoolSnapshot& snap, policy::Func search_fn,
                   const std::string& path, const BranchResults& results);

}  // namespace mfs::bridge
