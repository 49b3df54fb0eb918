// Branch actor: a tick checks in-flight syscalls against the deadline, refreshes free space and
// probes an unhealthy branch on a detached plain thread (a stuck syscall strands only that
// thread, never a scheduler worker), and logs each health change once.
#include "actors/branch/branch_actor.hpp"

#include <syslog.h>

#include <mutex>
#include <stdexcept>
#include <thread>

#include "actors/branch/branch_state.hpp"
#include "messages/clock.hpp"

namespace mfs {
namespace {

constexpr auto kTick = std::chrono::milliseconds(100);

// Lets a detached probe thread report back only while the actor is alive.
class ProbeMailbox {
 public:
  explicit ProbeMailbox(msg::ProbeReportActor self) : self_(std::move(self)) {}
  void post(int err, int64_t elapsed_ns) {
    std::lock_guard lk(mu_);
    if (self_) caf::anon_send(self_, msg::probed_atom::value, err, elapsed_ns);
  }
  void close() {
    std::lock_guard lk(mu_);
    self_ = nullptr;
  }

 private:
  std::mutex mu_;
  msg::ProbeReportActor self_;  // only the probe report: the thread can send nothing else
};

struct BranchActorState {
  std::shared_ptr<BranchState> rt;
  std::shared_ptr<ProbeMailbox> mailbox;
  msg::BranchSettings settings;
  bool probe_in_flight = false;
  int64_t probe_started_ns = 0;
  int64_t last_refresh_ns = 0;
  BranchHealth logged = BranchHealth::ok;
  uint64_t logged_reopens = 0;
};

void log_health(BranchActorState& st) {
  BranchHealth h = st.rt->health();
  if (h == st.logged) return;
  int level = h == BranchHealth::ok ? LOG_NOTICE : LOG_WARNING;
  syslog(level, "branch %s: %s -> %s", st.rt->path().c_str(), to_string(st.logged).data(),
         to_string(h).data());
  st.logged = h;
}

void start_probe(BranchActorState& st) {
  st.probe_in_flight = true;
  st.probe_started_ns = steady_ns();
  std::thread([rt = st.rt, mb = st.mailbox] {
    int64_t t0 = steady_ns();
    int r = rt->refresh_space();
    mb->post(r, steady_ns() - t0);
  }).detach();
}

void on_tick(BranchActorState& st) {
  int64_t now = steady_ns();
  st.rt->dirs.expire();
  st.rt->executor.drop_overdue(now);
  auto deadline_ns = static_cast<int64_t>(st.settings.deadline_s * 1e9);
  if (deadline_ns > 0) {
    int64_t oldest = st.rt->oldest_inflight_ns();
    bool stuck = (oldest && now - oldest > deadline_ns) ||
                 (st.probe_in_flight && now - st.probe_started_ns > deadline_ns);
    if (stuck && st.rt->health() == BranchHealth::ok) st.rt->set_health(BranchHealth::slow);
  }
  bool due = now - st.last_refresh_ns > static_cast<int64_t>(st.settings.refresh_s * 1e9);
  bool unhealthy = !st.rt->healthy();
  if (!st.probe_in_flight && (due || unhealthy || st.rt->refresh_wanted.exchange(false)))
    start_probe(st);
  log_health(st);
}

void on_probed(BranchActorState& st, int err, int64_t elapsed_ns) {
  st.probe_in_flight = false;
  if (uint64_t n = st.rt->root_reopens(); n != st.logged_reopens) {
    syslog(LOG_NOTICE, "branch %s: found again, root reopened", st.rt->path().c_str());
    st.logged_reopens = n;
  }
  st.last_refresh_ns = steady_ns();
  auto deadline_ns = static_cast<int64_t>(st.settings.deadline_s * 1e9);
  bool in_time = deadline_ns <= 0 || elapsed_ns <= deadline_ns;
  bool inline_stuck = deadline_ns > 0 && st.rt->oldest_inflight_ns() &&
                      st.last_refresh_ns - st.rt->oldest_inflight_ns() > deadline_ns;
  if (err == 0 && in_time && !inline_stuck) {
    st.rt->set_health(st.rt->readonly_fs() ? BranchHealth::readonly : BranchHealth::ok);
  } else if (err != 0) {
    st.rt->set_health(BranchHealth::failed);
  } else {
    st.rt->set_health(BranchHealth::slow);
  }
  log_health(st);
}

// The stats answer: figures read from the state, no syscall (see the stats_atom handler).
msg::BranchFigures branch_figures(msg::BranchActor::pointer self, const BranchActorState& st) {
  const auto& rt = *st.rt;
  const auto& c = rt.counters;
  msg::BranchFigures f;
  f.health = rt.health();
  f.avail = rt.avail();
  f.used = rt.used();
  f.total = rt.total();
  f.statvfs_ok = rt.statvfs_ok();
  f.readonly_fs = rt.readonly_fs();
  f.inline_ops = c.inline_ops.load();
  f.lstat_calls = c.lstat_calls.load();
  f.errors = c.errors.load();
  f.creates_chosen = c.creates_chosen.load();
  // Messages already moved into the actor's queue. Not mailbox().size(): its fetch_more()
  // from inside a handler disturbs CAF 0.17's mailbox round (actors stalled under load).
  f.mailbox = self->mailbox().queue().total_task_size();
  f.cache_enabled = rt.cache.enabled();
  f.cache_ttl_s = st.settings.cache_ttl_s;
  f.cache_entries = rt.cache.size();
  f.cache_hits = rt.cache.hits.load();
  f.cache_misses = rt.cache.misses.load();
  f.cache_listings = rt.cache.listings.load();
  f.parent_fds = rt.dirs.size();
  f.inflight = rt.inflight();
  f.inflight_cap = BranchState::kInflightCap;
  int64_t oldest = rt.oldest_inflight_ns();
  f.oldest_inflight_ms = oldest ? static_cast<double>(steady_ns() - oldest) / 1e6 : 0;
  f.probe_in_flight = st.probe_in_flight;
  f.deadline_s = st.settings.deadline_s;
  f.refresh_s = st.settings.refresh_s;
  f.root_reopens = rt.root_reopens();
  f.refused = c.refused.load();
  auto ex = rt.executor.figures();
  f.executor_threads = ex.threads;
  f.executor_idle = ex.idle;
  f.executor_queued = ex.queued;
  f.executor_ran = ex.ran;
  f.executor_dropped = ex.dropped;
  f.executor_refused = ex.refused;
  return f;
}

}  // namespace

msg::BranchActor::behavior_type branch_actor(msg::BranchActor::pointer self,
                                             std::shared_ptr<BranchState> rt,
                                             msg::BranchSettings settings) {
  auto st = std::make_shared<BranchActorState>();
  st->rt = std::move(rt);
  st->settings = settings;
  st->rt->cache.set_ttl(settings.cache_ttl_s);
  st->rt->dirs.set_ttl(settings.cache_ttl_s);
  st->rt->set_deadline(settings.deadline_s);
  st->mailbox = std::make_shared<ProbeMailbox>(caf::actor_cast<msg::ProbeReportActor>(self));
  st->last_refresh_ns = steady_ns();
  st->logged = st->rt->health();
  self->attach_functor([mb = st->mailbox] { mb->close(); });
  self->delayed_send(self, kTick, msg::tick_atom::value);
  return {
      [=](msg::tick_atom) {
        on_tick(*st);
        self->delayed_send(self, kTick, msg::tick_atom::value);
      },
      [=](msg::probed_atom, int err, int64_t elapsed_ns) { on_probed(*st, err, elapsed_ns); },
      [=](msg::config_atom, msg::BranchSettings s) {
        st->settings = s;
        st->rt->cache.set_ttl(s.cache_ttl_s);
        st->rt->dirs.set_ttl(s.cache_ttl_s);
        st->rt->set_deadline(s.deadline_s);
      },
      // The stats dump's view of this branch (actors/stats renders it). Figures only: no
      // syscall, so a hung branch still answers (its health says slow).
      [=](msg::stats_atom) -> msg::BranchFigures { return branch_figures(self, *st); },
      // Test-only (the coordinator sends it only under MERGERFS_TEST_HOOKS=1): hold the
      // request and never answer, as an actor stuck in a handler would.
      [=](msg::stats_atom, bool hold) -> caf::result<msg::BranchFigures> {
        if (hold) return self->make_response_promise<msg::BranchFigures>();
        return branch_figures(self, *st);
      },
      // Test-only hook (MERGERFS_TEST_HOOKS=1): an exception inside a handler must cost the
      // caller EIO through the reply guard, never a hang.
      [=](msg::test_throw_atom, const msg::ControlWrite&) {
        throw std::runtime_error("test hook: exception in branch actor");
      },
  };
}

}  // namespace mfs
