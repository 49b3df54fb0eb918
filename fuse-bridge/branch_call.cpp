// Routing a branch call: inline, on the branch's executor, or refused.
#include "fuse-bridge/branch_call.hpp"

#include "fuse-bridge/request_deadlines.hpp"
#include "messages/clock.hpp"

namespace mfs::bridge {

BranchEntry enter_branch(BranchState& rt) {
  if (!rt.healthy() || rt.overdue()) return {Route::refused, BranchState::OpGuard(&rt, -1)};
  int64_t oldest = rt.oldest_inflight_ns();
  if (oldest && steady_ns() - oldest > kBusy_ns) return {Route::executor, BranchState::OpGuard(&rt, -1)};
  BranchState::OpGuard g = rt.track();
  if (!g.admitted()) return {Route::executor, std::move(g)};  // every slot taken: busy
  return {Route::here, std::move(g)};
}

void refuse(BranchState& rt, Reply& reply) {
  rt.counters.refused.fetch_add(1, std::memory_order_relaxed);
  reply.result(-EIO);
}

BranchState::OpGuard admit_healthy(BranchState& rt) {
  BranchState::OpGuard g = rt.healthy() ? rt.admit() : BranchState::OpGuard(&rt, -1);
  if (!g.admitted()) rt.counters.refused.fetch_add(1, std::memory_order_relaxed);
  return g;
}

void hand_over(const std::shared_ptr<BranchState>& rt, Reply& reply, std::function<void(Reply&)> call) {
  ReplyStatePtr st = reply.state();
  const int64_t due = st->due_ns;
  bool posted = rt->executor.post(due, [rt, st, due, call = std::move(call)] {
    Reply r(st);
    if (r.replied()) return;  // its deadline answered it while it queued
    ServingRequest serve(st, due);
    BranchState::OpGuard g = rt->track();  // its age marks the branch slow if it hangs here
    call(r);
  });
  if (!posted) refuse(*rt, reply);
}

}  // namespace mfs::bridge
