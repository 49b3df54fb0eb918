// moveonenospc (FEATURES.md §4.8), the migration's side: a write that hit ENOSPC/EDQUOT is
// handed to a migration actor, which picks a branch with room by the moveonenospc policy, moves
// the file there with the shared move routine (fs::move_file), has every handle follow it and
// retries the write. The bridge supplies the open file and the reply through EnospcWrite, so
// nothing here names a bridge type. No CAF.
#pragma once
#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "actors/coordinator/pool_snapshot.hpp"

namespace mfs {

class MigrationSink;

// The failed write and its open file, as the bridge holds them.
class EnospcWrite {
 public:
  virtual ~EnospcWrite() = default;
  // Shared by every handle of the file; held exclusive for the move, so later writes wait.
  virtual std::shared_mutex& io() = 0;
  // The write again, on the handle's current descriptor: bytes written or -errno.
  virtual ssize_t write_again() = 0;
  // The file's pool path now (it may have been renamed since the open); nullopt if unknown.
  virtual std::optional<std::string> path() const = 0;
  // The handle's descriptor (its size decides which branch has room).
  virtual int fd() const = 0;
  // The branch the handle writes to now.
  virtual std::shared_ptr<BranchState> branch() const = 0;
  // The copy is in place on `dst`: every handle of the file reopens `path` there under the same
  // descriptor number.
  virtual void follow(const BranchSlot& dst, const std::string& path) = 0;
  // Answers the request: bytes written, or -errno.
  virtual void answer(ssize_t result) = 0;
};

// Runs the move on a migration actor (`sink`); `original_err` (-errno) answers if it fails.
// `snapshots` gives the pool as it is when the move starts.
void start_enospc_move(MigrationSink& sink, std::function<SnapshotPtr()> snapshots,
                       std::shared_ptr<EnospcWrite> write, int original_err);

}  // namespace mfs
