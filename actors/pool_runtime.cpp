// Skeleton runtime: config changes applied in order under a mutex and republished.
#include "actors/pool_runtime.hpp"

#include <mutex>

#include "actors/snapshot_builder.hpp"
#include "config/config.hpp"

namespace mfs {
namespace {

class SimpleRuntime final : public PoolRuntime {
 public:
  SimpleRuntime(const config::Config& cfg, SnapshotStore& store) : store_(store) {
    store_.publish(build_snapshot(std::make_shared<config::Config>(cfg), nullptr, ++generation_));
  }
  void stop() override {}
  void set_option(std::string key, std::string value, std::function<void(int)> done) override {
    std::lock_guard lk(mu_);
    auto cur = store_.get();
    auto next = std::make_shared<config::Config>(*cur->config);
    std::vector<std::string> notices;
    int r = config::set_runtime(*next, key, value, notices);
    if (r == 0) store_.publish(build_snapshot(next, cur.get(), ++generation_));
    done(r < 0 ? -r : 0);
  }
  std::optional<std::string> get_extra(const std::string&) override { return std::nullopt; }

 private:
  SnapshotStore& store_;
  std::mutex mu_;
  uint64_t generation_ = 0;
};

}  // namespace

std::unique_ptr<PoolRuntime> PoolRuntime::start(const config::Config& cfg, SnapshotStore& store) {
  return std::make_unique<SimpleRuntime>(cfg, store);
}

}  // namespace mfs
