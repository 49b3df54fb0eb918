// Builds a PoolSnapshot from a config, reusing the live state of branches that stay.
#pragma once
#include <memory>

#include "actors/coordinator/pool_snapshot.hpp"
#include "actors/coordinator/prepared_write.hpp"

namespace mfs {

// Branch runtimes are reused by path, so counters, caches and open roots survive a change. A
// new branch takes its runtime from `opened` (opened off the coordinator's thread by
// prepare_write); one found in neither is opened here, which blocks: only the first snapshot,
// built before any branch can have hung the pool, does that.
SnapshotPtr build_snapshot(std::shared_ptr<const config::Config> cfg, const PoolSnapshot* previous,
                           uint64_t generation, const OpenedBranches& opened = {});

}  // namespace mfs
