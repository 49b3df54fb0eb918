// Branch actor: a tick checks in-flight syscalls against the deadline, refreshes free space and
// probes an unhealthy branch on a detached plain thread (a stuck syscall strands only that
// thread, never a scheduler worker), and logs each health change once.
#include "actors/branch/branch_actor.hpp"

#include <syslog.h>

#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "actors/branch/branch_state.hpp"
#include "messages/clock.hpp"

namespace mfs {
namespace {

constexpr auto kTick = std::chrono::milliseconds(100);

// Lets a detached probe thread report back only while the actor is alive.
class ProbeMailbox {
 public:
  explicit ProbeMailbox(caf::actor self) : self_(std::move(self)) {}
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
  caf::actor self_;
};

struct BranchActorState {
  std::shared_ptr<BranchState> rt;
  std::shared_ptr<ProbeMailbox> mailbox;
  msg::BranchSettings settings;
  bool probe_in_flight = false;
  int64_t probe_started_ns = 0;
  int64_t last_refresh_ns = 0;
  BranchHealth logged = BranchHealth::ok;
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

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Summary and detail fragments of the stats answer (see the stats_atom handler).
std::tuple<std::string, std::string> render_branch_stats(caf::event_based_actor* self,
                                                         const BranchActorState& st) {
  const auto& rt = *st.rt;
  const auto& c = rt.counters;
  auto u = [](uint64_t v) { return std::to_string(v); };
  uint64_t avail = rt.avail(), used = rt.used(), total = rt.total();
  uint64_t hits = rt.cache.hits.load(), misses = rt.cache.misses.load();
  uint64_t inline_ops = c.inline_ops.load();
  uint64_t errors = c.errors.load(), lstat = c.lstat_calls.load();
  size_t entries = rt.cache.size(), inflight = rt.inflight();
  // Messages already moved into the actor's queue. Not mailbox().size(): its fetch_more()
  // from inside a handler disturbs CAF 0.17's mailbox round (actors stalled under load).
  size_t mailbox = self->mailbox().queue().total_task_size();
  std::string health(to_string(rt.health()));
  std::string hit_rate = hits + misses ? num(static_cast<double>(hits) / static_cast<double>(hits + misses)) : "null";
  std::string used_pct = total ? num(100.0 * static_cast<double>(used) / static_cast<double>(total)) : "null";

  std::string sum = "\"health\":\"" + health + "\",\"avail\":" + u(avail) + ",\"used\":" + u(used) +
                    ",\"total\":" + u(total) + ",\"inline\":" + u(inline_ops) +
                    ",\"lstat\":" + u(lstat) +
                    ",\"errors\":" + u(errors) + ",\"cache_entries\":" + u(entries) +
                    ",\"hits\":" + u(hits) + ",\"misses\":" + u(misses) +
                    ",\"inflight\":" + u(inflight) + ",\"mailbox\":" + u(mailbox);

  int64_t oldest = rt.oldest_inflight_ns();
  std::string oldest_ms = oldest ? num(static_cast<double>(steady_ns() - oldest) / 1e6) : "0";
  std::string det = "\"health\":\"" + health + "\",\"mailbox\":" + u(mailbox) + ",\"errors\":" + u(errors);
  det += ",\"space\":{\"avail\":" + u(avail) + ",\"used\":" + u(used) + ",\"total\":" + u(total) +
         ",\"used_pct\":" + used_pct + ",\"statvfs_ok\":" + (rt.statvfs_ok() ? "true" : "false") +
         ",\"readonly_fs\":" + (rt.readonly_fs() ? "true" : "false") + "}";
  det += ",\"ops\":{\"inline\":" + u(inline_ops) + ",\"lstat\":" + u(lstat) + ",\"creates_chosen\":" + u(c.creates_chosen.load()) + "}";
  det += ",\"cache\":{\"enabled\":" + std::string(rt.cache.enabled() ? "true" : "false") +
         ",\"ttl_s\":" + num(st.settings.cache_ttl_s) + ",\"entries\":" + u(entries) +
         ",\"hits\":" + u(hits) + ",\"misses\":" + u(misses) + ",\"hit_rate\":" + hit_rate +
         ",\"listings\":" + u(rt.cache.listings.load()) + ",\"parent_fds\":" + u(rt.dirs.size()) + "}";
  det += ",\"inflight\":{\"now\":" + u(inflight) + ",\"cap\":" + u(BranchState::kInflightCap) +
         ",\"oldest_ms\":" + oldest_ms + "}";
  det += ",\"probe\":{\"in_flight\":" + std::string(st.probe_in_flight ? "true" : "false") +
         ",\"deadline_s\":" + num(st.settings.deadline_s) +
         ",\"refresh_s\":" + num(st.settings.refresh_s) + "}";
  return {std::move(sum), std::move(det)};
}

}  // namespace

caf::behavior branch_actor(caf::event_based_actor* self, std::shared_ptr<BranchState> rt,
                           msg::BranchSettings settings) {
  auto st = std::make_shared<BranchActorState>();
  st->rt = std::move(rt);
  st->settings = settings;
  st->rt->cache.set_ttl(settings.cache_ttl_s);
  st->rt->dirs.set_ttl(settings.cache_ttl_s);
  st->mailbox = std::make_shared<ProbeMailbox>(caf::actor_cast<caf::actor>(self));
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
      },
      // The stats dump's view of this branch: a flat summary fragment and a detail fragment
      // (JSON members without braces; the coordinator adds id, path and mode). Figures only:
      // no syscall, so a hung branch still answers (its health says slow).
      [=](msg::stats_atom) -> std::tuple<std::string, std::string> {
        return render_branch_stats(self, *st);
      },
      // Test-only (the coordinator sends it only under MERGERFS_TEST_HOOKS=1): hold the
      // request and never answer, as an actor stuck in a handler would.
      [=](msg::stats_atom, bool hold) -> caf::result<std::string, std::string> {
        if (hold) return self->make_response_promise<std::string, std::string>();
        auto r = render_branch_stats(self, *st);
        return {std::move(std::get<0>(r)), std::move(std::get<1>(r))};
      },
      // Test-only hook (MERGERFS_TEST_HOOKS=1): an exception inside a handler must cost the
      // caller EIO through the reply guard, never a hang.
      [=](msg::test_throw_atom, const msg::ControlWrite&) {
        throw std::runtime_error("test hook: exception in branch actor");
      },
  };
}

}  // namespace mfs
