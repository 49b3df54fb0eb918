// One branch's executor: plain threads (never a CAF scheduler thread, never a FUSE worker) that
// run the branch's syscalls while it is busy, so a FUSE worker hands such a call over and is
// free at once instead of queueing behind a syscall that may never return.
//
// A thread whose task hangs is abandoned, not waited for: a task posted while no thread is idle
// starts a new one, up to kMaxThreads alive (the hung ones included). The queue is bounded;
// a task past its due time is dropped unrun (the branch actor's tick calls drop_overdue), and
// dropping it answers its request (the task's destructor owns that answer).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace mfs {

class BranchExecutor {
 public:
  static constexpr size_t kMaxThreads = 8;
  static constexpr size_t kQueueCap = 256;

  BranchExecutor();
  // Idle threads leave; a thread still inside a hung syscall is left to finish on its own
  // (it holds only the executor's shared queue, not the executor).
  ~BranchExecutor();
  BranchExecutor(const BranchExecutor&) = delete;
  BranchExecutor& operator=(const BranchExecutor&) = delete;

  // Runs `task` on an executor thread; `due_ns` (steady clock, 0: none) is when it is dropped
  // unrun. False (task destroyed here) when the queue is full.
  bool post(int64_t due_ns, std::function<void()> task);
  // Drops the queued tasks due before `now_ns`.
  void drop_overdue(int64_t now_ns);

  struct Figures {
    size_t threads = 0;  // alive, hung ones included
    size_t idle = 0;
    size_t queued = 0;
    uint64_t ran = 0, dropped = 0, refused = 0;
  };
  Figures figures() const;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace mfs
