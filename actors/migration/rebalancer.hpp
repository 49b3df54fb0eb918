// Rebalance (cmd.rebalance): plans whole-file moves from the fullest to the emptiest branches
// until percent used is within rebalance.threshold, and runs them one at a time with the intent
// journal, skipping open files (retried later) and files with several links or several copies.
// run() blocks: it is called on a detached migration actor, never on a FUSE or scheduler
// thread. Progress is readable at any time (the stats dump, user.mergerfs.rebalance). No CAF.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/coordinator/snapshot_store.hpp"
#include "actors/migration/rebalance_progress.hpp"
#include "policy/rebalance_plan.hpp"

namespace mfs {

class OpenFiles;

class Rebalancer {
 public:
  explicit Rebalancer(SnapshotStore& store) : store_(store) {}

  void set_open_files(OpenFiles* f) { open_files_.store(f); }
  // Claims the rebalancer for one run; false if a run is under way.
  bool begin(bool dry_run);
  // The run claimed by begin(); returns when done, stopped or within the threshold.
  void run();
  // Asks a run to stop at the next chunk or file (a partial copy is discarded).
  void request_stop();
  // {"state":..., "planned":..., ...}: the progress of the current or last run; a dry run's
  // plan (up to ~48 KB) only when asked, as the stats detail must stay under 64 KiB.
  std::string progress_json(bool with_plan = false) const;

  using Move = policy::RebalanceMove;

 private:
  enum class Outcome { moved, open, skipped, failed, stopped };
  Outcome execute(const Move& m);
  void set_state(const char* s);
  bool stopping() const { return stop_.load(); }
  // Sleeps up to `ms` or until a stop is asked.
  void pause(int ms);

  SnapshotStore& store_;
  std::atomic<OpenFiles*> open_files_{nullptr};
  std::atomic<bool> running_{false};
  std::atomic<bool> stop_{false};
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;

  // Progress, guarded by mu_ (never held across a syscall).
  mutable std::mutex mu_;
  RebalanceProgress p_;
};

}  // namespace mfs
