// PoolSnapshot construction: branch order, modes and effective minfreespace from the config.
#include "actors/coordinator/snapshot_builder.hpp"

#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"

namespace mfs {

SnapshotPtr build_snapshot(std::shared_ptr<const config::Config> cfg, const PoolSnapshot* previous,
                           uint64_t generation, const OpenedBranches& opened) {
  auto snap = std::make_shared<PoolSnapshot>();
  snap->generation = generation;
  snap->config = cfg;
  for (const auto& spec : cfg->branches) {
    // A directory listed twice is one branch (the first mention's mode and minfreespace):
    // two slots would act on every file twice and run two actors over one runtime.
    bool listed = false;
    for (const auto& b : snap->branches) listed |= b.path == spec.path;
    if (listed) continue;
    BranchSlot slot;
    slot.path = spec.path;
    slot.mode = spec.mode;
    slot.minfreespace = spec.minfreespace.value_or(cfg->minfreespace);
    if (previous) {
      for (const auto& old : previous->branches)
        if (old.path == spec.path) slot.rt = old.rt;
    }
    if (auto it = opened.find(spec.path); !slot.rt && it != opened.end()) slot.rt = it->second;
    if (!slot.rt) slot.rt = std::make_shared<BranchState>(spec.path, BranchState::NotOpened{});
    snap->branches.push_back(std::move(slot));
  }
  return snap;
}

}  // namespace mfs
