// The coordinator actor: owns the config and the branch set, publishes PoolSnapshots, spawns
// and supervises branch actors, answers control-file writes. CAF-only header.
#pragma once
#include "actors/coordinator/prepared_write.hpp"
#include "actors/coordinator/snapshot_store.hpp"
#include "messages/actor_messages.hpp"

namespace mfs {
namespace config {
struct Config;
}
class Rebalancer;

// The first snapshot takes its branches from `opened` (open_startup_branches); `rebalancer`
// runs cmd.rebalance on a detached actor the coordinator spawns.
msg::CoordinatorActor::behavior_type coordinator_actor(msg::CoordinatorActor::pointer self,
                                                      SnapshotStore* store,
                                std::shared_ptr<const config::Config> initial,
                                OpenedBranches opened,
                                std::shared_ptr<Rebalancer> rebalancer);

}  // namespace mfs
