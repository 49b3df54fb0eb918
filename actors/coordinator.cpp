// Coordinator: config changes arrive as messages, are applied to a copy (a bad value changes
// nothing), and are published as a new snapshot; branch actors follow the branch set.
#include "actors/coordinator.hpp"

#include <syslog.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "actors/branch_actor.hpp"
#include "actors/branch_runtime.hpp"
#include "actors/snapshot_builder.hpp"
#include "config/config.hpp"

namespace mfs {
namespace {

struct CoordinatorState {
  SnapshotStore* store = nullptr;
  uint64_t generation = 0;
  std::map<std::string, caf::actor> branches;  // by branch path
  std::map<caf::actor_addr, std::string> by_addr;
  uint64_t writes = 0;
  uint64_t write_errors = 0;
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
                  const std::shared_ptr<BranchRuntime>& rt, const msg::BranchSettings& s) {
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

void handle_write(caf::event_based_actor* self, CoordinatorState& st, const msg::ControlWrite& w) {
  ++st.writes;
  if (w.key.rfind("cmd.", 0) == 0) {
    std::string cmd = w.key.substr(4);
    syslog(LOG_NOTICE, "command: %s", cmd.c_str());
    if (cmd == "gc" || cmd == "gc1" || cmd == "invalidate-all-nodes") return w.finish(0);
    if (cmd == "test-throw-in-branch" && test_hooks_enabled() && !st.branches.empty()) {
      // The write (and its reply guard) travels on; the branch actor's exception drops it.
      self->send(st.branches.begin()->second, msg::test_throw_atom::value, w);
      return;
    }
    ++st.write_errors;
    return w.finish(ENODATA);
  }
  auto cur = st.store->get();
  auto next = std::make_shared<config::Config>(*cur->config);
  std::vector<std::string> notices;
  int r = config::set_runtime(*next, w.key, w.value, notices);
  for (const auto& n : notices) syslog(LOG_NOTICE, "%s", n.c_str());
  if (r != 0) {
    ++st.write_errors;
    return w.finish(-r);
  }
  syslog(LOG_INFO, "set %s=%s", w.key.c_str(), w.value.c_str());
  publish(self, st, std::move(next));
  w.finish(0);
}

// Asks every branch actor for its figures with a deadline; one that does not answer in time
// is reported as not answering, and the rest of the dump still arrives.
void gather_stats(caf::event_based_actor* self, std::shared_ptr<CoordinatorState> st,
                  std::function<void(std::string)> done) {
  auto acc = std::make_shared<std::vector<std::string>>();
  auto pending = std::make_shared<size_t>(st->branches.size());
  std::string head = "{\"coordinator\":{\"generation\":" + std::to_string(st->generation) +
                     ",\"writes\":" + std::to_string(st->writes) +
                     ",\"write_errors\":" + std::to_string(st->write_errors) + "}";
  auto finish = [=] {
    std::string out = head + ",\"branches\":[";
    for (size_t i = 0; i < acc->size(); ++i) out += (i ? "," : "") + (*acc)[i];
    done(out + "]}");
  };
  if (*pending == 0) return finish();
  for (auto& [path, a] : st->branches) {
    std::string p = path;
    self->request(a, std::chrono::milliseconds(500), msg::stats_atom::value)
        .then(
            [=](const std::string& s) {
              acc->push_back(s);
              if (--*pending == 0) finish();
            },
            [=](caf::error&) {
              acc->push_back("{\"path\":\"" + p + "\",\"health\":\"not answering\"}");
              if (--*pending == 0) finish();
            });
  }
}

}  // namespace

caf::behavior coordinator_actor(caf::event_based_actor* self, SnapshotStore* store,
                                std::shared_ptr<const config::Config> initial) {
  auto st = std::make_shared<CoordinatorState>();
  st->store = store;
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
    for (auto& [path, a] : st->branches) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  });
  self->delayed_send(self, std::chrono::seconds(1), msg::tick_atom::value);
  return {
      [=](const msg::ControlWrite& w) { handle_write(self, *st, w); },
      [=](msg::tick_atom) {
        gather_stats(self, st, [st](std::string s) {
          st->store->publish_stats(std::make_shared<const std::string>(std::move(s)));
        });
        self->delayed_send(self, std::chrono::seconds(1), msg::tick_atom::value);
      },
  };
}

}  // namespace mfs
