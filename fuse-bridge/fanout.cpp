// Action fan-out over the snapshot's branches.
#include "fuse-bridge/fanout.hpp"

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "actors/branch/branch_probe.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "policy/aggregate.hpp"

namespace mfs::bridge {

int run_action(const Bridge&, const PoolSnapshot& snap, policy::Func f, const std::string& path,
               const std::function<int(const BranchSlot&)>& op, BranchResults& results) {
  BranchProbe probe(snap, /*use_cache=*/false);
  auto facts = branch_facts(snap);
  auto pick = policy::action(snap.config->func[static_cast<size_t>(f)], facts, probe, path,
                             policy::default_random());
  if (!pick.ok()) return pick.err;
  for (size_t i : pick.branches) {
    const BranchSlot& br = snap.branches[i];
    auto guard = admit_healthy(*br.rt);
    if (!guard.admitted()) {
      results.emplace_back(i, -EIO);
      continue;
    }
    int r = op(br);
    if (r < 0) br.rt->note_error(r);
    results.emplace_back(i, r < 0 ? r : 0);
  }
  return 0;
}

int clone_path_onto(BranchState& src, BranchState& dst, std::string_view dir) {
  if (&src == &dst) return 0;  // the chain is there already, and one slot is enough
  auto from = admit_healthy(src);
  if (!from.admitted()) return -EIO;
  auto to = admit_healthy(dst);
  if (!to.admitted()) return -EIO;
  return fs::clone_path(src.root_fd(), dst.root_fd(), dir);
}

int resolve_action(const Bridge& b, const PoolSnapshot& snap, policy::Func search_fn,
                   const std::string& path, const BranchResults& results) {
  bool mixed = false;
  for (const auto& r : results)
    if ((r.second == 0) != (results.front().second == 0)) mixed = true;
  std::optional<size_t> where;
  if (mixed) {
    Found f = b.search(snap, search_fn, path);
    if (f.err == 0) where = f.branch;
  }
  return policy::resolve_mixed(results, where);
}

}  // namespace mfs::bridge
