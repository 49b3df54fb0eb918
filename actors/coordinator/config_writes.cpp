// Ordered config writes under a deadline; see config_writes.hpp.
#include "actors/coordinator/config_writes.hpp"

#include <syslog.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "config/config.hpp"

namespace mfs {

// Lets a write's thread report back only while the coordinator is alive; after close() the
// thread drops its result (and closes the branches it opened) itself.
class PreparedWriteMailbox {
 public:
  explicit PreparedWriteMailbox(msg::WritePreparedActor self) : self_(std::move(self)) {}
  void post(msg::WritePrepared m) {
    std::lock_guard lk(mu_);
    if (self_) caf::anon_send(self_, std::move(m));
  }
  void close() {
    std::lock_guard lk(mu_);
    self_ = nullptr;
  }
  // Called by the coordinator on each report: taking the lock the thread released after
  // building its result orders that work before the coordinator's reads, also for
  // ThreadSanitizer, which cannot see the handoff through CAF's mailbox (tools/tsan.supp).
  void received() { std::lock_guard lk(mu_); }

 private:
  std::mutex mu_;
  msg::WritePreparedActor self_;  // only the report: the thread can send nothing else
};

ConfigWrites::ConfigWrites(msg::CoordinatorActor::pointer self, const SnapshotStore* store,
                           Publish publish, stats::CoordinatorFigures& figures)
    : self_(self),
      store_(store),
      publish_(std::move(publish)),
      figures_(figures),
      mailbox_(std::make_shared<PreparedWriteMailbox>(caf::actor_cast<msg::WritePreparedActor>(self))) {}

void ConfigWrites::submit(msg::ControlWrite w) {
  if (current_) return queued_.push_back(std::move(w));
  start(std::move(w));
}

void ConfigWrites::start(msg::ControlWrite w) {
  uint64_t id = ++last_id_;
  auto snap = store_->get();
  std::set<std::string> open_paths;
  for (const auto& b : snap->branches) open_paths.insert(b.path);
  current_ = InFlight{id, w};
  try {
    std::thread([mb = mailbox_, id, cfg = snap->config, open_paths = std::move(open_paths), key = w.key,
                 value = w.value] {
      auto p = std::make_shared<const PreparedWrite>(prepare_write(*cfg, open_paths, key, value));
      mb->post(msg::WritePrepared{id, std::move(p)});
    }).detach();
  } catch (const std::system_error&) {
    return finish(-EAGAIN);  // no thread to be had: refuse rather than block the coordinator
  }
  // The deadline in force is the one before this write (a write of branch-deadline included).
  double deadline_s = std::min(snap->config->branch_deadline, 86400.0);
  if (deadline_s > 0)
    self_->delayed_send(self_, std::chrono::microseconds(static_cast<int64_t>(deadline_s * 1e6)),
                        msg::write_deadline_atom::value, id);
}

void ConfigWrites::on_prepared(const msg::WritePrepared& m) {
  mailbox_->received();
  if (!current_ || current_->id != m.id) {
    ++figures_.late_results_dropped;
    syslog(LOG_NOTICE, "config write #%llu: result came after its deadline; dropped",
           static_cast<unsigned long long>(m.id));
    return;
  }
  const PreparedWrite& p = *m.result;
  for (const auto& n : p.notices) syslog(LOG_NOTICE, "%s", n.c_str());
  if (p.err != 0) return finish(p.err);
  const msg::ControlWrite& w = current_->write;
  syslog(LOG_INFO, "set %s=%s", w.key.c_str(), w.value.c_str());
  publish_(p);
  finish(0);
}

void ConfigWrites::on_deadline(uint64_t id) {
  if (!current_ || current_->id != id) return;  // answered in time
  ++figures_.writes_past_deadline;
  const msg::ControlWrite& w = current_->write;
  syslog(LOG_WARNING,
         "config write #%llu (%s=%s) not done within branch-deadline (a hung filesystem?); "
         "answered EIO, config unchanged",
         static_cast<unsigned long long>(id), w.key.c_str(), w.value.c_str());
  finish(-EIO);
}

void ConfigWrites::finish(int err) {
  msg::ControlWrite w = std::move(current_->write);
  current_.reset();
  if (err != 0) figures_.note_write_error(err);
  w.finish(err);
  if (queued_.empty()) return;
  msg::ControlWrite next = std::move(queued_.front());
  queued_.pop_front();
  start(std::move(next));
}

void ConfigWrites::close() { mailbox_->close(); }

}  // namespace mfs
