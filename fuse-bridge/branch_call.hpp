// How a handler runs the syscalls of one request on one branch (issue 17): inline on its own
// FUSE thread only while the branch is ok and nothing in flight there is older than kBusy_ns;
// on the branch's executor while the branch is ok but busy, answered from there (the old call
// may be a hung one: this worker must not be the next to join it, and is free at once); and
// refused, EIO with no syscall, while the branch is slow or failed.
#pragma once
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>

#include "actors/branch/branch_state.hpp"
#include "fuse-bridge/reply.hpp"

namespace mfs::bridge {

// 50 ms: well past a disk's seek under load, far below any branch-deadline.
constexpr int64_t kBusy_ns = 50 * 1000 * 1000;

enum class Route { here, executor, refused };

struct BranchEntry {
  Route route;
  BranchState::OpGuard guard;  // held for a call run here: the branch actor sees its age
};
// Where a call would run; counts nothing (a close asks it too, and is never refused).
BranchEntry enter_branch(BranchState& rt);
// Answers EIO for a call enter_branch refused, counted in the branch's `refused`.
void refuse(BranchState& rt, Reply& reply);

// A slot for a fan-out's syscall on this FUSE thread (search, create, rename: calls that may
// skip a branch): admitted only while the branch is healthy and its slots are not all held by
// syscalls that are not coming back. Not admitted (counted as refused): the caller skips the
// branch or answers EIO for it. Bounds how many workers a branch that hangs now can keep.
BranchState::OpGuard admit_healthy(BranchState& rt);
// `call()` (0 or -errno) under such a slot; -EIO, with no syscall, when there is none.
template <class Call>
int run_admitted(BranchState& rt, Call&& call) {
  BranchState::OpGuard g = admit_healthy(rt);
  if (!g.admitted()) return -EIO;
  return call();
}

// Runs `call` on `rt`'s executor, under the request's deadline; `call` answers the request
// (a dropped or refused call answers EIO). `call` must own what it uses.
void hand_over(const std::shared_ptr<BranchState>& rt, Reply& reply, std::function<void(Reply&)> call);

// The usual case: `call` (copyable, owning its captures) run where enter_branch says.
template <class Call>
void on_branch(const std::shared_ptr<BranchState>& rt, Reply& reply, Call&& call) {
  BranchEntry e = enter_branch(*rt);
  switch (e.route) {
    case Route::here: return call(reply);
    case Route::executor: return hand_over(rt, reply, std::forward<Call>(call));
    case Route::refused: return refuse(*rt, reply);
  }
}

}  // namespace mfs::bridge
