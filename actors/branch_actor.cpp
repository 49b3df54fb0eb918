// Branch actor: a tick checks in-flight syscalls against the deadline, refreshes free space and
// probes an unhealthy branch on a detached plain thread (a stuck syscall strands only that
// thread, never a scheduler worker), and logs each health change once.
#include "actors/branch_actor.hpp"

#include <syslog.h>

#include <mutex>
#include <stdexcept>
#include <thread>

#include "actors/branch_runtime.hpp"

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
  std::shared_ptr<BranchRuntime> rt;
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
  st.probe_started_ns = BranchRuntime::now_ns();
  std::thread([rt = st.rt, mb = st.mailbox] {
    int64_t t0 = BranchRuntime::now_ns();
    int r = rt->refresh_space();
    mb->post(r, BranchRuntime::now_ns() - t0);
  }).detach();
}

void on_tick(BranchActorState& st) {
  int64_t now = BranchRuntime::now_ns();
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
  st.last_refresh_ns = BranchRuntime::now_ns();
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

}  // namespace

caf::behavior branch_actor(caf::event_based_actor* self, std::shared_ptr<BranchRuntime> rt,
                           msg::BranchSettings settings) {
  auto st = std::make_shared<BranchActorState>();
  st->rt = std::move(rt);
  st->settings = settings;
  st->rt->cache.set_ttl(settings.cache_ttl_s);
  st->mailbox = std::make_shared<ProbeMailbox>(caf::actor_cast<caf::actor>(self));
  st->last_refresh_ns = BranchRuntime::now_ns();
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
      },
      [=](msg::stats_atom) -> std::string {
        const auto& rt = *st->rt;
        const auto& c = rt.counters;
        std::string out = "{\"path\":\"" + rt.path() + "\",\"health\":\"" +
                          std::string(to_string(rt.health())) + "\"";
        out += ",\"avail\":" + std::to_string(rt.avail()) + ",\"total\":" + std::to_string(rt.total());
        out += ",\"inline_ops\":" + std::to_string(c.inline_ops.load());
        out += ",\"queued_ops\":" + std::to_string(c.queued_ops.load());
        out += ",\"lstat\":" + std::to_string(c.lstat_calls.load());
        out += ",\"errors\":" + std::to_string(c.errors.load());
        out += ",\"cache_entries\":" + std::to_string(rt.cache.size());
        out += ",\"cache_hits\":" + std::to_string(rt.cache.hits.load());
        out += ",\"cache_misses\":" + std::to_string(rt.cache.misses.load());
        out += ",\"inflight\":" + std::to_string(rt.inflight()) + "}";
        return out;
      },
      // Test-only hook (MERGERFS_TEST_HOOKS=1): an exception inside a handler must cost the
      // caller EIO through the reply guard, never a hang.
      [=](msg::test_throw_atom, const msg::ControlWrite&) {
        throw std::runtime_error("test hook: exception in branch actor");
      },
  };
}

}  // namespace mfs
