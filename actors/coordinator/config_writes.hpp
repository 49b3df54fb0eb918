// Config writes, one at a time in the order they came (each sees what the one before it did).
// A write's blocking half (prepare_write: glob, realpath, opening new branches) runs on a
// detached plain thread under the pool's branch-deadline, so a hung filesystem never holds the
// coordinator; the coordinator publishes the result and answers. A write past its deadline is
// answered EIO and changes nothing, the writes behind it go on, and its late result is dropped.
// CAF-only header.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "actors/coordinator/prepared_write.hpp"
#include "actors/coordinator/snapshot_store.hpp"
#include "messages/actor_messages.hpp"

namespace mfs {

class PreparedWriteMailbox;

class ConfigWrites {
 public:
  // Publishes a prepared write's config with its opened branches (on the coordinator's thread).
  using Publish = std::function<void(const PreparedWrite&)>;

  ConfigWrites(msg::CoordinatorActor::pointer self, const SnapshotStore* store, Publish publish,
               stats::CoordinatorFigures& figures);
  ConfigWrites(const ConfigWrites&) = delete;
  ConfigWrites& operator=(const ConfigWrites&) = delete;

  // Starts `w` now, or queues it behind the write in flight.
  void submit(msg::ControlWrite w);
  void on_prepared(const msg::WritePrepared& m);
  void on_deadline(uint64_t id);
  // The coordinator is stopping: threads still out drop their results themselves.
  void close();

 private:
  void start(msg::ControlWrite w);
  // Answers the write in flight and starts the next queued one.
  void finish(int err);

  struct InFlight {
    uint64_t id = 0;
    msg::ControlWrite write;
  };
  msg::CoordinatorActor::pointer self_;
  const SnapshotStore* store_;
  Publish publish_;
  stats::CoordinatorFigures& figures_;
  std::shared_ptr<PreparedWriteMailbox> mailbox_;
  std::optional<InFlight> current_;
  std::deque<msg::ControlWrite> queued_;
  uint64_t last_id_ = 0;
};

}  // namespace mfs
