// The CAF side of the daemon: actor system (tuned for a small box, no CAF_MAIN: CLI11 owns
// argv), the coordinator, and the control-file sink that posts to it without waiting.
#include "actors/coordinator/pool_actors.hpp"

#include <thread>

#include "actors/branch/branch_state.hpp"
#include "actors/coordinator/coordinator.hpp"
#include "actors/coordinator/job_actor.hpp"
#include "actors/coordinator/startup_branches.hpp"
#include "actors/migration/rebalancer.hpp"
#include "config/config.hpp"

namespace mfs {
namespace {

class ActorRuntime final : public PoolActors {
 public:
  ActorRuntime(const config::Config& cfg, SnapshotStore& store, OpenedBranches opened)
      : store_(store), rebalancer_(std::make_shared<Rebalancer>(store)) {
    // Idle workers block on a condvar instead of polling in 50 µs sleeps (CAF_FUSE_NOTES.md).
    caf_cfg_.set("work-stealing.moderate-poll-attempts", size_t{0});
    caf_cfg_.set("scheduler.max-threads", size_t{2});
    caf_cfg_.set("logger.console-verbosity", caf::atom("quiet"));
    system_ = std::make_unique<caf::actor_system>(caf_cfg_);
    coordinator_ = system_->spawn(coordinator_actor, &store_,
                                  std::make_shared<const config::Config>(cfg), std::move(opened),
                                  rebalancer_);
  }
  ~ActorRuntime() override { stop(); }

  void stop() override {
    if (!system_) return;
    rebalancer_->request_stop();  // a running move discards its partial copy
    if (coordinator_) caf::anon_send_exit(coordinator_, caf::exit_reason::user_shutdown);
    coordinator_ = nullptr;
    system_.reset();  // waits until every actor is gone (pending guards have answered)
  }

  void set_option(std::string key, std::string value, std::function<void(int)> done) override {
    msg::ControlWrite w{std::move(key), std::move(value),
                        std::make_shared<std::function<void(int)>>(std::move(done))};
    if (coordinator_) caf::anon_send(coordinator_, std::move(w));
  }

  // Each move gets its own detached job actor (its own thread: copies block).
  void submit(std::string label, std::function<void()> work) override {
    if (!system_) return;  // dropping `work` answers its request with EIO
    auto job = std::make_shared<std::function<void()>>(std::move(work));
    auto a = system_->spawn<caf::detached>(job_actor, std::move(label));
    caf::anon_send(a, job);
  }

  void set_open_files(OpenFiles* files) override { rebalancer_->set_open_files(files); }

  std::optional<std::string> get_extra(const std::string& key) override {
    if (key == "rebalance") return rebalancer_->progress_json(true);
    if (key == "stats") {
      auto s = store_.stats();
      return s ? *s : std::string("{}");
    }
    return std::nullopt;
  }

 private:
  SnapshotStore& store_;
  std::shared_ptr<Rebalancer> rebalancer_;
  caf::actor_system_config caf_cfg_;
  std::unique_ptr<caf::actor_system> system_;
  msg::CoordinatorActor coordinator_;
};

}  // namespace

std::unique_ptr<PoolActors> PoolActors::start(const config::Config& cfg, SnapshotStore& store) {
  // Opened here, under the branch deadline: the coordinator's first snapshot then opens nothing.
  auto rt = std::make_unique<ActorRuntime>(cfg, store, open_startup_branches(cfg));
  // The first snapshot is published by the coordinator; FUSE threads need it before mounting.
  while (!store.get()) std::this_thread::yield();
  // Before the mount: nothing reaches the branches through the pool yet.
  recover_startup_moves(store.get(), cfg.branch_deadline);
  return rt;
}

}  // namespace mfs
