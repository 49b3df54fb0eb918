// The daemon's actor side as the bridge sees it: owns config and branches, publishes snapshots,
// answers control-file writes. No CAF in this header.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "actors/coordinator/snapshot_store.hpp"
#include "messages/control_sink.hpp"
#include "messages/migration_sink.hpp"
#include "messages/open_files.hpp"

namespace mfs {
namespace config {
struct Config;
}

class PoolActors : public ControlSink, public MigrationSink {
 public:
  virtual ~PoolActors() = default;
  // Opens the branches (one that does not answer within branch-deadline starts failed), starts
  // the coordinator and one actor per branch, publishes the first snapshot into `store`, then
  // finishes or rolls back the moves an earlier run left in its journals (same deadline).
  static std::unique_ptr<PoolActors> start(const config::Config& cfg, SnapshotStore& store);
  // Stops every actor; pending work answers (EIO) before this returns.
  virtual void stop() = 0;
  // The bridge's open-file registry, for moves that must skip open files (rebalance).
  virtual void set_open_files(OpenFiles* files) = 0;
};

}  // namespace mfs
