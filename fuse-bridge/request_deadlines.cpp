// The per-thread request slots and the watchdog that scans them.
#include "fuse-bridge/request_deadlines.hpp"

#include <syslog.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <chrono>
#include <mutex>
#include <vector>

#include "messages/clock.hpp"
#include "messages/request_figures.hpp"

namespace mfs::bridge {
namespace {

constexpr auto kScanPeriod = std::chrono::milliseconds(50);

struct Slot {
  std::mutex mu;
  ReplyStatePtr state;
  int64_t due_ns = 0;
};

// Every live slot. Never destroyed: threads that exit after main (libfuse workers, a rerun
// stuck in a branch) still unregister safely.
struct Registry {
  std::mutex mu;
  std::vector<Slot*> slots;
};
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

// One per thread, registered on the thread's first request.
struct ThreadSlot {
  Slot slot;
  ThreadSlot() {
    std::lock_guard lk(registry().mu);
    registry().slots.push_back(&slot);
  }
  ~ThreadSlot() {
    std::lock_guard lk(registry().mu);
    auto& v = registry().slots;
    v.erase(std::remove(v.begin(), v.end(), &slot), v.end());
  }
};
Slot& my_slot() {
  thread_local ThreadSlot t;
  return t.slot;
}
// The owner thread's own view of its slot, read without the slot's lock.
thread_local ReplyState* t_serving = nullptr;

}  // namespace

ServingRequest::ServingRequest(ReplyStatePtr s, int64_t due_ns) {
  Slot& sl = my_slot();
  t_serving = s.get();
  std::lock_guard lk(sl.mu);
  sl.state = std::move(s);
  sl.due_ns = due_ns;
}

ServingRequest::~ServingRequest() {
  Slot& sl = my_slot();
  ReplyStatePtr last;  // released outside the lock: the last owner answers EIO if nobody did
  t_serving = nullptr;
  std::lock_guard lk(sl.mu);
  last = std::move(sl.state);
  sl.due_ns = 0;
}

ReplyState* serving_now() { return t_serving; }

namespace {
Caller read_caller(fuse_req_t req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  return Caller{ctx->uid, ctx->gid, ctx->pid, ctx->umask};
}
}  // namespace

ReplyStatePtr new_request_state(fuse_req_t req) {
  return std::make_shared<ReplyState>(req, read_caller(req), fuse_req_userdata(req));
}

Caller caller_of(fuse_req_t req) {
  if (auto s = serving_now(); s && s->req == req) return s->caller;
  return read_caller(req);
}

int caller_groups(const Caller& c, gid_t* out, int max) {
  std::ifstream f("/proc/" + std::to_string(c.pid) + "/task/" + std::to_string(c.pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("Groups:", 0) != 0) continue;
    std::istringstream in(line.substr(7));
    int n = 0;
    for (unsigned long g; n < max && in >> g;) out[n++] = static_cast<gid_t>(g);
    return n;
  }
  return -1;
}

ReplyStatePtr state_for(fuse_req_t req) {
  if (ReplyState* s = serving_now(); s && s->req == req) return s->shared_from_this();
  return new_request_state(req);
}

uint64_t RequestDeadlines::answered_eio() const {
  return msg::request_figures().deadline_eio.load(std::memory_order_relaxed);
}
uint64_t RequestDeadlines::rerun() const {
  return msg::request_figures().deadline_rerun.load(std::memory_order_relaxed);
}

RequestDeadlines::RequestDeadlines() : thread_([this] { run(); }) {}

RequestDeadlines::~RequestDeadlines() {
  stop_.store(true);
  thread_.join();
}

void RequestDeadlines::run() {
  while (!stop_.load()) {
    std::this_thread::sleep_for(kScanPeriod);
    std::vector<ReplyStatePtr> late;
    int64_t now = steady_ns();
    {
      std::lock_guard lk(registry().mu);
      for (Slot* sl : registry().slots) {
        std::lock_guard slk(sl->mu);
        if (!sl->state || !sl->due_ns || now < sl->due_ns) continue;
        sl->due_ns = 0;  // expires once; the handler may still be running
        if (!sl->state->done.load(std::memory_order_acquire) &&
            !sl->state->deadline_exempt.load(std::memory_order_acquire))
          late.push_back(sl->state);
      }
    }
    for (const auto& s : late) expire(s);
  }
}

void RequestDeadlines::expire(const ReplyStatePtr& s) {
  if (s->rerun && !s->rerun_started.exchange(true)) {
    // By now the branch actor has marked the late branch slow (its tick compares in-flight
    // syscalls with the same deadline), so the rerun skips it. The rerun is watched too: if it
    // waits again, its deadline answers EIO. A thread, not the watchdog: the rerun may block.
    msg::request_figures().deadline_rerun.fetch_add(1, std::memory_order_relaxed);
    std::thread([s] {
      ServingRequest serve(s, steady_ns() + s->deadline_ns);
      s->rerun(s);
    }).detach();
    return;
  }
  if (!s->claim()) return;
  msg::request_figures().deadline_eio.fetch_add(1, std::memory_order_relaxed);
  syslog(LOG_WARNING, "%s: no answer within branch-deadline; answered EIO", s->op);
  fuse_reply_err(s->req, EIO);
}

}  // namespace mfs::bridge
