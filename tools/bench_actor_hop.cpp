// Micro-benchmark: one lstat inline on the calling thread vs the same lstat sent to a CAF actor
// and answered through a callback (the cost the request-path rule avoids). Prints µs per op.
#include <semaphore.h>
#include <sys/stat.h>

#include <caf/all.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

namespace {

struct Job {
  std::string path;
  std::function<void(int)> done;
};

}  // namespace

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<Job>)

namespace {

caf::behavior lstat_actor(caf::event_based_actor*) {
  return {[](const std::shared_ptr<Job>& j) {
    struct stat st {};
    j->done(::lstat(j->path.c_str(), &st));
  }};
}

double us_per_op(const std::function<void()>& op, int n) {
  for (int i = 0; i < n / 10; ++i) op();  // warm-up
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) op();
  auto dt = std::chrono::steady_clock::now() - t0;
  return std::chrono::duration<double, std::micro>(dt).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : "/tmp";
  int n = argc > 2 ? std::atoi(argv[2]) : 200000;
  struct stat st {};
  double inline_us = us_per_op([&] { ::lstat(path.c_str(), &st); }, n);

  auto hop = [&](bool tuned) {
    caf::actor_system_config cfg;
    if (tuned) cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
    cfg.set("scheduler.max-threads", size_t{2});
    caf::actor_system sys{cfg};
    auto a = sys.spawn(lstat_actor);
    sem_t sem;
    sem_init(&sem, 0, 0);
    auto job = std::make_shared<Job>(Job{path, [&](int) { sem_post(&sem); }});
    double us = us_per_op([&] {
      caf::anon_send(a, job);
      sem_wait(&sem);
    }, n / 4);
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    return us;
  };
  double tuned = hop(true);
  double stock = hop(false);
  std::printf("| path | µs/op | ratio to inline |\n|---|---|---|\n");
  std::printf("| lstat inline on the calling thread | %.2f | 1.0x |\n", inline_us);
  std::printf("| lstat via actor (anon_send + callback), tuned scheduler | %.2f | %.1fx |\n", tuned,
              tuned / inline_us);
  std::printf("| lstat via actor, CAF 0.17 default scheduler | %.2f | %.1fx |\n", stock,
              stock / inline_us);
  return 0;
}
