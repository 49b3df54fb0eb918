// Builds a PoolSnapshot from a config, reusing the live state of branches that stay.
#pragma once
#include <memory>

#include "actors/coordinator/pool_snapshot.hpp"
#include "actors/coordinator/prepared_write.hpp"

namespace mfs {

// Branch runtimes are reused by path, so counters, caches and open roots survive a change. A
// new branch takes its runtime from `opened` (opened off the coordinator's thread, by
// open_startup_branches or prepare_write); one found in neither is not opened here (that would
// block the coordinator on a hung branch): it starts failed, and its probe opens it.
SnapshotPtr build_snapshot(std::shared_ptr<const config::Config> cfg, const PoolSnapshot* previous,
                           uint64_t generation, const OpenedBranches& opened = {});

}  // namespace mfs
