// The coordinator actor: owns the config and the branch set, publishes PoolSnapshots, spawns
// and supervises branch actors, answers control-file writes. CAF-only header.
#pragma once
#include "actors/coordinator/snapshot_store.hpp"
#include "messages/actor_messages.hpp"

namespace mfs {
namespace config {
struct Config;
}
class Rebalancer;

// `rebalancer` runs cmd.rebalance on a detached actor the coordinator spawns.
caf::behavior coordinator_actor(caf::event_based_actor* self, SnapshotStore* store,
                                std::shared_ptr<const config::Config> initial,
                                std::shared_ptr<Rebalancer> rebalancer);

}  // namespace mfs
