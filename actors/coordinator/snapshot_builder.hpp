// Builds a PoolSnapshot from a config, reusing the live state of branches that stay.
#pragma once
#include <memory>

#include "actors/coordinator/pool_snapshot.hpp"

namespace mfs {

// Branch runtimes are reused by path, so counters, caches and open roots survive a change.
SnapshotPtr build_snapshot(std::shared_ptr<const config::Config> cfg, const PoolSnapshot* previous,
                           uint64_t generation);

}  // namespace mfs
