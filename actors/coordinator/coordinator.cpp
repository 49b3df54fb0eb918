// Coordinator: config changes arrive as messages, are applied to a copy (a bad value changes
// nothing), and are published as a new snapshot; branch actors follow the branch set.
#include "actors/coordinator/coordinator.hpp"

#include <syslog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "actors/branch/branch_actor.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/rebalancer.hpp"
#include "actors/coordinator/snapshot_builder.hpp"
#include "actors/stats/json_writer.hpp"
#include "config/config.hpp"
#include "messages/clock.hpp"

namespace mfs {
namespace {

// A rolling window of the last latencies (ns), for p50/p99/max in the stats dump.
class LatencyWindow {
 public:
  void add(int64_t ns) {
    v_[next_] = ns;
    next_ = (next_ + 1) % v_.size();
    n_ = std::min(n_ + 1, v_.size());
  }
  // q in [0, 1]; 0 when empty.
  int64_t quantile(double q) const {
    if (!n_) return 0;
    std::array<int64_t, kSize> s{};
    std::copy(v_.begin(), v_.begin() + static_cast<long>(n_), s.begin());
    std::sort(s.begin(), s.begin() + static_cast<long>(n_));
    size_t i = static_cast<size_t>(q * static_cast<double>(n_ - 1) + 0.5);
    return s[std::min(i, n_ - 1)];
  }

 private:
  static constexpr size_t kSize = 128;
  std::array<int64_t, kSize> v_{};
  size_t n_ = 0;
  size_t next_ = 0;
};

// What the stats dump needs beyond the config: counters, latencies, the render number.
struct StatsState {
  uint64_t seq = 0;      // render number; the summary and every detail of a render share it
  uint64_t handled = 0;  // coordinator messages handled (writes, ticks, stats answers)
  std::map<int, uint64_t> write_errno;
  std::map<std::string, LatencyWindow> answer_latency;  // by branch path: stats request -> answer
  LatencyWindow tick_lag;                                // how late the 1 s tick ran
  int64_t last_tick_ns = 0;
  int64_t last_gather_ns = 0;  // duration of the last gather
  int64_t gather_started_ns = 0;
  bool gathering = false;
  std::set<std::string> muted;  // test hook: branch paths whose actor holds stats requests
};

struct CoordinatorState {
  SnapshotStore* store = nullptr;
  uint64_t generation = 0;
  std::map<std::string, caf::actor> branches;  // by branch path
  std::map<caf::actor_addr, std::string> by_addr;
  uint64_t writes = 0;
  uint64_t write_errors = 0;
  StatsState stats;
  std::shared_ptr<Rebalancer> rebalancer;
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

void spawn_branch(caf::event_based_actor* self, CoordinatorState& st,
                  const std::shared_ptr<BranchState>& rt, const msg::BranchSettings& s) {
  auto a = self->spawn<caf::monitored>(branch_actor, rt, s);
  st.by_addr[a.address()] = rt->path();
  st.branches[rt->path()] = a;
}

// Branch actors follow the snapshot: new branches get one, removed branches lose theirs.
void sync_branches(caf::event_based_actor* self, CoordinatorState& st, const PoolSnapshot& snap) {
  auto s = settings_of(*snap.config);
  std::map<std::string, caf::actor> keep;
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
    self->demonitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  st.branches = std::move(keep);
}

void publish(caf::event_based_actor* self, CoordinatorState& st,
             std::shared_ptr<const config::Config> cfg) {
  auto prev = st.store->get();
  auto snap = build_snapshot(std::move(cfg), prev.get(), ++st.generation);
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
void start_rebalance(caf::event_based_actor* self, CoordinatorState& st, const msg::ControlWrite& w,
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
  // The run gets its actor's argument rather than a capture: CAF 0.17 dereferences a null
  // argument tuple for a spawn without arguments (UBSan: reference binding to null pointer).
  self->spawn<caf::detached>(
      [](caf::event_based_actor* me, std::shared_ptr<Rebalancer> run) -> caf::behavior {
        me->send(me, msg::tick_atom::value);
        return {[=](msg::tick_atom) {
          run->run();
          me->quit();
        }};
      },
      reb);
}

void handle_write(caf::event_based_actor* self, CoordinatorState& st, const msg::ControlWrite& w) {
  ++st.writes;
  ++st.stats.handled;
  auto fail = [&](int err) {
    ++st.write_errors;
    ++st.stats.write_errno[-err];  // counted by errno number, for its name in the dump
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
  auto cur = st.store->get();
  auto next = std::make_shared<config::Config>(*cur->config);
  std::vector<std::string> notices;
  int r = config::set_runtime(*next, w.key, w.value, notices);
  for (const auto& n : notices) syslog(LOG_NOTICE, "%s", n.c_str());
  if (r != 0) return fail(r);
  syslog(LOG_INFO, "set %s=%s", w.key.c_str(), w.value.c_str());
  publish(self, st, std::move(next));
  w.finish(0);
}

// ---- The stats dump (FEATURES.md §10) ----
// Once a second the coordinator asks every branch actor for its figures, with a deadline, and
// renders the compact summary (user.mergerfs.stats) and one detail per actor
// (user.mergerfs.stats.<id>). FUSE threads only ever read the published render.

constexpr auto kStatsPeriod = std::chrono::seconds(1);
constexpr auto kStatsDeadline = std::chrono::milliseconds(500);
constexpr size_t kStatsLimit = 64000;  // an xattr value is at most 64 KiB

// Paths need not be UTF-8: the one escaping rule of actors/stats.
std::string json_str(std::string_view s) { return stats::json_text(stats::json_string(s)); }

std::string errno_name(int e) {
  const char* n = ::strerrorname_np(e);
  return n ? n : std::to_string(e);
}

std::string latency_json(const LatencyWindow& w) {
  auto us = [](int64_t ns) { return std::to_string(ns / 1000); };
  return "{\"p50\":" + us(w.quantile(0.5)) + ",\"p99\":" + us(w.quantile(0.99)) +
         ",\"max\":" + us(w.quantile(1.0)) + "}";
}

// One branch as the gather sees it: its place in the snapshot and its actor's answer, if any.
struct BranchAnswer {
  BranchSlot slot;
  bool answered = false;
  std::string summary;  // JSON members from the branch actor
  std::string detail;
};

struct Gather {
  SnapshotPtr snap;
  std::vector<BranchAnswer> branches;
  size_t pending = 0;
};

std::string branch_id(size_t i) { return "branch-" + std::to_string(i); }

// Figures a branch publishes lock-free; used when its actor does not answer.
std::string published_space(const BranchState& rt) {
  return "\"avail\":" + std::to_string(rt.avail()) + ",\"used\":" + std::to_string(rt.used()) +
         ",\"total\":" + std::to_string(rt.total());
}

std::string render_summary(const CoordinatorState& st, const Gather& g, const std::string& head,
                           const std::string& coord, bool compact, size_t limit_entries,
                           size_t* truncated) {
  std::string out = head + ",\"compact\":" + (compact ? "true" : "false") + ",\"actors\":[" + coord;
  size_t n = std::min(limit_entries, g.branches.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& b = g.branches[i];
    std::string e = ",{\"id\":\"" + branch_id(i) + "\",\"kind\":\"branch\"";
    if (!compact) e += ",\"path\":" + json_str(b.slot.path);
    e += ",\"mode\":\"" + std::string(to_string(b.slot.mode)) + "\"";
    if (!b.answered) {
      e += ",\"answering\":false,\"health\":\"not answering\"," + published_space(*b.slot.rt) + "}";
    } else if (compact) {
      e += ",\"answering\":true,\"health\":\"" + std::string(to_string(b.slot.rt->health())) + "\"," +
           published_space(*b.slot.rt) + "}";
    } else {
      e += ",\"answering\":true," + b.summary;
      auto it = st.stats.answer_latency.find(b.slot.path);
      if (it != st.stats.answer_latency.end())
        e += ",\"p50_us\":" + std::to_string(it->second.quantile(0.5) / 1000) +
             ",\"p99_us\":" + std::to_string(it->second.quantile(0.99) / 1000);
      e += "}";
    }
    out += e;
  }
  *truncated = g.branches.size() - n;
  out += "]";
  if (*truncated) out += ",\"truncated\":" + std::to_string(*truncated);
  return out + "}";
}

void render_stats(CoordinatorState& st, const Gather& g, size_t coord_mailbox) {
  auto& ss = st.stats;
  ++ss.seq;
  const auto& cfg = *g.snap->config;
  std::string seq = std::to_string(ss.seq), now = std::to_string(unix_ms());
  size_t not_answering = 0;
  for (const auto& b : g.branches) not_answering += !b.answered;

  // Latency windows follow the branch set.
  std::set<std::string> live;
  for (const auto& b : g.branches) live.insert(b.slot.path);
  for (auto it = ss.answer_latency.begin(); it != ss.answer_latency.end();)
    it = live.count(it->first) ? std::next(it) : ss.answer_latency.erase(it);

  auto dump = std::make_shared<StatsDump>();
  // Coordinator: summary entry and detail.
  std::string coord_common = "\"answering\":true,\"generation\":" + std::to_string(g.snap->generation) +
                             ",\"branches\":" + std::to_string(g.branches.size()) +
                             ",\"handled\":" + std::to_string(ss.handled) +
                             ",\"mailbox\":" + std::to_string(coord_mailbox) +
                             ",\"writes\":" + std::to_string(st.writes) +
                             ",\"errors\":" + std::to_string(st.write_errors) +
                             ",\"not_answering\":" + std::to_string(not_answering);
  std::string coord = "{\"id\":\"coordinator\",\"kind\":\"coordinator\"," + coord_common +
                      ",\"lag_p99_us\":" + std::to_string(ss.tick_lag.quantile(0.99) / 1000) + "}";
  {
    std::string d = "{\"id\":\"coordinator\",\"kind\":\"coordinator\",\"seq\":" + seq +
                    ",\"time_ms\":" + now + "," + coord_common;
    d += ",\"errors_by_errno\":{";
    bool first = true;
    for (const auto& [e, n] : ss.write_errno) {
      d += (first ? "" : ",") + json_str(errno_name(e)) + ":" + std::to_string(n);
      first = false;
    }
    d += "},\"tick_lag_us\":" + latency_json(ss.tick_lag);
    d += ",\"gather_ms\":" + std::to_string(ss.last_gather_ns / 1000000);
    if (st.rebalancer) d += ",\"rebalance\":" + st.rebalancer->progress_json();
    std::string decisions;
    for (size_t i = 0; i < g.branches.size() && decisions.size() < kStatsLimit / 2; ++i)
      decisions += (i ? "," : "") + json_str(branch_id(i)) + ":" +
                   std::to_string(g.branches[i].slot.rt->counters.creates_chosen.load());
    d += ",\"create_decisions\":{" + decisions + "}";
    d += ",\"policies\":{\"create\":" + json_str(config::get_value(cfg, "category.create").value_or("")) +
         ",\"search\":" + json_str(config::get_value(cfg, "category.search").value_or("")) +
         ",\"action\":" + json_str(config::get_value(cfg, "category.action").value_or("")) + "}";
    dump->detail["coordinator"] = d + "}";
  }
  // Branches: one detail each.
  for (size_t i = 0; i < g.branches.size(); ++i) {
    const auto& b = g.branches[i];
    std::string d = "{\"id\":\"" + branch_id(i) + "\",\"kind\":\"branch\",\"seq\":" + seq +
                    ",\"time_ms\":" + now + ",\"path\":" + json_str(b.slot.path) +
                    ",\"mode\":\"" + std::string(to_string(b.slot.mode)) +
                    "\",\"minfreespace\":" + std::to_string(b.slot.minfreespace);
    if (b.answered) {
      d += ",\"answering\":true," + b.detail;
      auto it = ss.answer_latency.find(b.slot.path);
      if (it != ss.answer_latency.end()) d += ",\"latency_us\":" + latency_json(it->second);
    } else {
      d += ",\"answering\":false,\"health\":\"not answering\",\"space\":{" +
           published_space(*b.slot.rt) + "}";
    }
    dump->detail[branch_id(i)] = d + "}";
  }
  // Summary: full entries if they fit, else compact ones (no paths), else as many as fit.
  std::string head = "{\"version\":1,\"seq\":" + seq + ",\"time_ms\":" + now +
                     ",\"mount\":" + json_str(cfg.mountpoint) +
                     ",\"generation\":" + std::to_string(g.snap->generation);
  size_t truncated = 0;
  std::string sum = render_summary(st, g, head, coord, false, g.branches.size(), &truncated);
  if (sum.size() > kStatsLimit) sum = render_summary(st, g, head, coord, true, g.branches.size(), &truncated);
  for (size_t keep = g.branches.size(); sum.size() > kStatsLimit && keep > 0;) {
    keep = keep * (kStatsLimit - 200) / sum.size();
    sum = render_summary(st, g, head, coord, true, keep, &truncated);
  }
  dump->summary = std::move(sum);
  st.store->publish_stats(std::move(dump));
}

// Asks every branch actor for its figures with a deadline; one that does not answer in time
// is reported as not answering, and the rest of the dump still arrives.
void gather_stats(caf::event_based_actor* self, std::shared_ptr<CoordinatorState> st) {
  auto& ss = st->stats;
  int64_t now = steady_ns();
  // A gather ends within its deadline; one older than a few periods is given up.
  if (ss.gathering && now - ss.gather_started_ns < 5 * 1000000000LL) return;
  ss.gathering = true;
  ss.gather_started_ns = now;
  size_t coord_mailbox = self->mailbox().queue().total_task_size();  // not size(): see branch_actor.cpp
  auto g = std::make_shared<Gather>();
  g->snap = st->store->get();
  for (const auto& slot : g->snap->branches) g->branches.push_back(BranchAnswer{slot, false, {}, {}});
  g->pending = g->branches.size();
  auto finish = [st, g, coord_mailbox] {
    st->stats.gathering = false;
    st->stats.last_gather_ns = steady_ns() - st->stats.gather_started_ns;
    render_stats(*st, *g, coord_mailbox);
  };
  if (g->pending == 0) return finish();
  for (size_t i = 0; i < g->branches.size(); ++i) {
    const std::string& path = g->branches[i].slot.path;
    auto it = st->branches.find(path);
    auto done = [=] {
      ++st->stats.handled;
      if (--g->pending == 0) finish();
    };
    if (it == st->branches.end()) {  // between its death and its restart
      done();
      continue;
    }
    int64_t t0 = steady_ns();
    auto on_answer = [=](const std::string& sum, const std::string& det) {
      auto& b = g->branches[i];
      b.answered = true;
      b.summary = sum;
      b.detail = det;
      st->stats.answer_latency[b.slot.path].add(steady_ns() - t0);
      done();
    };
    auto on_error = [=](caf::error&) { done(); };
    if (st->stats.muted.count(path))
      self->request(it->second, kStatsDeadline, msg::stats_atom::value, true).then(on_answer, on_error);
    else
      self->request(it->second, kStatsDeadline, msg::stats_atom::value).then(on_answer, on_error);
  }
}

void on_stats_tick(caf::event_based_actor* self, const std::shared_ptr<CoordinatorState>& st) {
  auto& ss = st->stats;
  ++ss.handled;
  int64_t now = steady_ns();
  if (ss.last_tick_ns) {
    int64_t period = std::chrono::duration_cast<std::chrono::nanoseconds>(kStatsPeriod).count();
    ss.tick_lag.add(std::max<int64_t>(0, now - ss.last_tick_ns - period));
  }
  ss.last_tick_ns = now;
  gather_stats(self, st);
}

}  // namespace

caf::behavior coordinator_actor(caf::event_based_actor* self, SnapshotStore* store,
                                std::shared_ptr<const config::Config> initial,
                                std::shared_ptr<Rebalancer> rebalancer) {
  auto st = std::make_shared<CoordinatorState>();
  st->store = store;
  st->rebalancer = std::move(rebalancer);
  publish(self, *st, std::move(initial));
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
    if (st->rebalancer) st->rebalancer->request_stop();
    for (auto& [path, a] : st->branches) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  });
  self->send(self, msg::tick_atom::value);
  return {
      [=](const msg::ControlWrite& w) { handle_write(self, *st, w); },
      // Renders the stats dump once a second (the first right away).
      [=](msg::tick_atom) {
        on_stats_tick(self, st);
        self->delayed_send(self, kStatsPeriod, msg::tick_atom::value);
      },
  };
}

}  // namespace mfs
