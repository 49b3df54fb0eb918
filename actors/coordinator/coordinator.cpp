// Coordinator: config changes arrive as messages, are applied to a copy (a bad value changes
// nothing) off its thread and in order (config_writes.hpp), and are published as a new
// snapshot; branch actors follow the branch set.
#include "actors/coordinator/coordinator.hpp"

#include <syslog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "actors/branch/branch_actor.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/rebalancer.hpp"
#include "actors/coordinator/config_writes.hpp"
#include "actors/coordinator/job_actor.hpp"
#include "actors/coordinator/snapshot_builder.hpp"
#include "actors/stats/stats_dump.hpp"
#include "config/config.hpp"
#include "messages/clock.hpp"
#include "messages/request_figures.hpp"

namespace mfs {
namespace {

// The stats dump's figures plus what the gather needs to run: its clock and the test hook.
struct StatsState {
  stats::CoordinatorFigures figures;
  int64_t last_tick_ns = 0;
  int64_t gather_started_ns = 0;
  bool gathering = false;
  std::set<std::string> muted;  // test hook: branch paths whose actor holds stats requests
};

struct CoordinatorState {
  SnapshotStore* store = nullptr;
  uint64_t generation = 0;
  std::map<std::string, msg::BranchActor> branches;  // by branch path
  std::map<caf::actor_addr, std::string> by_addr;
  StatsState stats;
  std::shared_ptr<Rebalancer> rebalancer;
  std::unique_ptr<ConfigWrites> writes;  // counts into stats.figures
};

msg::BranchSettings settings_of(const config::Config& cfg) {
  msg::BranchSettings s;
  s.deadline_s = cfg.branch_deadline;
  s.cache_ttl_s = cfg.cache_branch_entry;
  // cache.statfs is the statvfs cache TTL policies see: refresh no more often than that
  // (and at least once a second otherwise); writes lower the figure in between.
  s.refresh_s = std::max<double>(1.0, static_cast<double>(cfg.cache_statfs));
  return s;
}

void spawn_branch(msg::CoordinatorActor::pointer self, CoordinatorState& st,
                  const std::shared_ptr<BranchState>& rt, const msg::BranchSettings& s) {
  auto a = self->spawn<caf::monitored>(branch_actor, rt, s);
  st.by_addr[a.address()] = rt->path();
  st.branches[rt->path()] = a;
}

// Branch actors follow the snapshot: new branches get one, removed branches lose theirs.
void sync_branches(msg::CoordinatorActor::pointer self, CoordinatorState& st, const PoolSnapshot& snap) {
  auto s = settings_of(*snap.config);
  std::map<std::string, msg::BranchActor> keep;
  for (const auto& b : snap.branches) {
    auto it = st.branches.find(b.path);
    if (it != st.branches.end()) {
      self->send(it->second, msg::config_atom::value, s);
      keep[b.path] = it->second;
      st.branches.erase(it);
    } else {
      st.branches.erase(b.path);
      spawn_branch(self, st, b.rt, s);
      keep[b.path] = st.branches[b.path];
      st.branches.erase(b.path);
    }
  }
  for (auto& [path, a] : st.branches) {
    st.by_addr.erase(a.address());
    self->demonitor(a.address());
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  st.branches = std::move(keep);
}

void publish(msg::CoordinatorActor::pointer self, CoordinatorState& st,
             std::shared_ptr<const config::Config> cfg, const OpenedBranches& opened = {}) {
  auto prev = st.store->get();
  auto snap = build_snapshot(std::move(cfg), prev.get(), ++st.generation, opened);
  sync_branches(self, st, *snap);
  st.store->publish(snap);
}

bool test_hooks_enabled() {
  const char* v = std::getenv("MERGERFS_TEST_HOOKS");
  return v && std::string(v) == "1";
}

// cmd.rebalance=start|dry-run|stop. A run blocks its own detached actor (its own thread) from
// plan to last move; the coordinator only claims it and spawns it.
template <class Fail>
void start_rebalance(msg::CoordinatorActor::pointer self, CoordinatorState& st, const msg::ControlWrite& w,
                     Fail& fail) {
  auto reb = st.rebalancer;
  if (!reb) return fail(-ENOTSUP);
  if (w.value == "stop") {
    reb->request_stop();
    return w.finish(0);
  }
  if (w.value != "start" && w.value != "dry-run" && !w.value.empty()) return fail(-EINVAL);
  if (!reb->begin(w.value == "dry-run")) return fail(-EBUSY);
  w.finish(0);  // answered before the run starts (a test hook may end the process mid-move)
  auto run = self->spawn<caf::detached>(job_actor, std::string("rebalance"));
  self->send(run, std::make_shared<std::function<void()>>([reb] { reb->run(); }));
}

void handle_write(msg::CoordinatorActor::pointer self, CoordinatorState& st, const msg::ControlWrite& w) {
  auto& fig = st.stats.figures;
  ++fig.writes;
  ++fig.handled;
  auto fail = [&](int err) {
    fig.note_write_error(err);  // counted by errno number, for its name in the dump
    w.finish(err);
  };
  if (w.key.rfind("cmd.", 0) == 0) {
    std::string cmd = w.key.substr(4);
    syslog(LOG_NOTICE, "command: %s", cmd.c_str());
    if (cmd == "gc" || cmd == "gc1" || cmd == "invalidate-all-nodes") return w.finish(0);
    if (cmd == "rebalance") return start_rebalance(self, st, w, fail);
    if (cmd == "test-throw-in-branch" && test_hooks_enabled() && !st.branches.empty()) {
      // The write (and its reply guard) travels on; the branch actor's exception drops it.
      self->send(st.branches.begin()->second, msg::test_throw_atom::value, w);
      return;
    }
    // Test hooks: the actor of the branch at path `value` holds stats requests (or answers
    // them again), so the dump must report it as not answering within the deadline.
    if ((cmd == "test-mute-branch" || cmd == "test-unmute-branch") && test_hooks_enabled()) {
      if (!st.branches.count(w.value)) return fail(-ENOENT);
      if (cmd == "test-mute-branch") st.stats.muted.insert(w.value);
      else st.stats.muted.erase(w.value);
      return w.finish(0);
    }
    return fail(-ENODATA);
  }
  st.writes->submit(w);
}

// ---- The stats dump (FEATURES.md §10) ----
// Once a second the coordinator asks every branch actor for its figures, with a deadline, and
// has actors/stats render the summary (user.mergerfs.stats) and one detail per actor
// (user.mergerfs.stats.<id>). FUSE threads only ever read the published render.

constexpr auto kStatsPeriod = std::chrono::seconds(1);
constexpr auto kStatsDeadline = std::chrono::milliseconds(500);

// One gather: the snapshot it asked about and each branch's answer, if any (same order).
struct Gather {
  SnapshotPtr snap;
  std::vector<std::optional<msg::BranchFigures>> answers;
  size_t pending = 0;
};

void render_stats(CoordinatorState& st, const Gather& g, size_t coord_mailbox) {
  auto& fig = st.stats.figures;
  ++fig.seq;
  const auto& cfg = *g.snap->config;
  // Latency windows follow the branch set.
  std::set<std::string> live;
  for (const auto& slot : g.snap->branches) live.insert(slot.path);
  for (auto it = fig.answer_latency.begin(); it != fig.answer_latency.end();)
    it = live.count(it->first) ? std::next(it) : fig.answer_latency.erase(it);

  stats::PoolEntry pool;
  pool.generation = g.snap->generation;
  pool.mount = cfg.mountpoint;
  pool.create_policy = config::get_value(cfg, "category.create").value_or("");
  pool.search_policy = config::get_value(cfg, "category.search").value_or("");
  pool.action_policy = config::get_value(cfg, "category.action").value_or("");
  pool.coordinator_mailbox = coord_mailbox;
  if (st.rebalancer) pool.rebalance_json = st.rebalancer->progress_json();
  pool.deadline_eio = msg::request_figures().deadline_eio.load(std::memory_order_relaxed);
  pool.deadline_rerun = msg::request_figures().deadline_rerun.load(std::memory_order_relaxed);
  std::vector<stats::BranchEntry> branches;
  for (size_t i = 0; i < g.snap->branches.size(); ++i) {
    const BranchSlot& slot = g.snap->branches[i];
    const BranchState& rt = *slot.rt;
    stats::BranchEntry b;
    b.path = slot.path;
    b.mode = slot.mode;
    b.minfreespace = slot.minfreespace;
    b.health = rt.health();
    b.avail = rt.avail();
    b.used = rt.used();
    b.total = rt.total();
    b.creates_chosen = rt.counters.creates_chosen.load();
    b.answer = g.answers[i];
    auto it = fig.answer_latency.find(slot.path);
    if (it != fig.answer_latency.end()) b.latency = &it->second;
    branches.push_back(std::move(b));
  }
  st.store->publish_stats(stats::render_stats_dump(fig, pool, branches, unix_ms()));
}

// Asks every branch actor for its figures with a deadline; one that does not answer in time
// is reported as not answering, and the rest of the dump still arrives.
void gather_stats(msg::CoordinatorActor::pointer self, std::shared_ptr<CoordinatorState> st) {
  auto& ss = st->stats;
  int64_t now = steady_ns();
  // A gather ends within its deadline; one older than a few periods is given up.
  if (ss.gathering && now - ss.gather_started_ns < 5 * 1000000000LL) return;
  ss.gathering = true;
  ss.gather_started_ns = now;
  size_t coord_mailbox = self->mailbox().queue().total_task_size();  // not size(): see branch_actor.cpp
  auto g = std::make_shared<Gather>();
  g->snap = st->store->get();
  g->answers.resize(g->snap->branches.size());
  g->pending = g->answers.size();
  auto finish = [st, g, coord_mailbox] {
    st->stats.gathering = false;
    st->stats.figures.last_gather_ns = steady_ns() - st->stats.gather_started_ns;
    render_stats(*st, *g, coord_mailbox);
  };
  if (g->pending == 0) return finish();
  for (size_t i = 0; i < g->answers.size(); ++i) {
    const std::string& path = g->snap->branches[i].path;
    auto it = st->branches.find(path);
    auto done = [=] {
      ++st->stats.figures.handled;
      if (--g->pending == 0) finish();
    };
    if (it == st->branches.end()) {  // between its death and its restart
      done();
      continue;
    }
    int64_t t0 = steady_ns();
    auto on_answer = [=](const msg::BranchFigures& f) {
      g->answers[i] = f;
      st->stats.figures.answer_latency[g->snap->branches[i].path].add(steady_ns() - t0);
      done();
    };
    auto on_error = [=](caf::error&) { done(); };
    if (st->stats.muted.count(path))
      self->request(it->second, kStatsDeadline, msg::stats_atom::value, true).then(on_answer, on_error);
    else
      self->request(it->second, kStatsDeadline, msg::stats_atom::value).then(on_answer, on_error);
  }
}

void on_stats_tick(msg::CoordinatorActor::pointer self, const std::shared_ptr<CoordinatorState>& st) {
  auto& ss = st->stats;
  ++ss.figures.handled;
  int64_t now = steady_ns();
  if (ss.last_tick_ns) {
    int64_t period = std::chrono::duration_cast<std::chrono::nanoseconds>(kStatsPeriod).count();
    ss.figures.tick_lag.add(std::max<int64_t>(0, now - ss.last_tick_ns - period));
  }
  ss.last_tick_ns = now;
  gather_stats(self, st);
}

}  // namespace

msg::CoordinatorActor::behavior_type coordinator_actor(msg::CoordinatorActor::pointer self,
                                                      SnapshotStore* store,
                                std::shared_ptr<const config::Config> initial,
                                OpenedBranches opened,
                                std::shared_ptr<Rebalancer> rebalancer) {
  auto st = std::make_shared<CoordinatorState>();
  st->store = store;
  st->rebalancer = std::move(rebalancer);
  publish(self, *st, std::move(initial), opened);
  // A plain pointer: `st` owns `writes`, so a shared one would keep both alive forever.
  auto publish_prepared = [self, owner = st.get()](const PreparedWrite& p) {
    publish(self, *owner, p.next, p.opened);
  };
  st->writes = std::make_unique<ConfigWrites>(self, store, publish_prepared, st->stats.figures);
  // A branch actor that died (an exception in a handler) is replaced; its runtime state stays.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto it = st->by_addr.find(dm.source);
    if (it == st->by_addr.end()) return;
    std::string path = it->second;
    st->by_addr.erase(it);
    syslog(LOG_ERR, "branch actor for %s died (%s); restarting", path.c_str(),
           to_string(dm.reason).c_str());
    auto snap = st->store->get();
    for (const auto& b : snap->branches)
      if (b.path == path) spawn_branch(self, *st, b.rt, settings_of(*snap->config));
  });
  // Branch actors stop with the coordinator.
  self->attach_functor([st] {
    st->writes->close();
    if (st->rebalancer) st->rebalancer->request_stop();
    for (auto& [path, a] : st->branches) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  });
  self->send(self, msg::tick_atom::value);
  return {
      [=](const msg::ControlWrite& w) { handle_write(self, *st, w); },
      [=](const msg::WritePrepared& m) {
        ++st->stats.figures.handled;
        st->writes->on_prepared(m);
      },
      [=](msg::write_deadline_atom, uint64_t id) {
        ++st->stats.figures.handled;
        st->writes->on_deadline(id);
      },
      // Renders the stats dump once a second (the first right away).
      [=](msg::tick_atom) {
        on_stats_tick(self, st);
        self->delayed_send(self, kStatsPeriod, msg::tick_atom::value);
      },
  };
}

}  // namespace mfs
