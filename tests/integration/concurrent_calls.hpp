// Syscalls run at once in child processes, so a call that never returns cannot block the test:
// how each ended (its errno) or that it was still waiting when the round gave up.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace mfs::test {

// What became of one syscall run in a child process: its errno (0: success), or unanswered.
struct CallOutcome {
  bool answered = false;
  int err = 0;
};

// Runs every call at once, each in its own child, and waits up to `limit` for all of them.
// Children still waiting are killed and kept for reap_left(): a caller whose request the daemon
// read waits for its answer even when killed, so reap them once the branch thaws.
std::vector<CallOutcome> run_together(const std::vector<std::function<int()>>& calls,
                                  std::chrono::milliseconds limit);
void reap_left();
size_t unanswered(const std::vector<CallOutcome>& v);

// stat(2) of `path`; a listing of `dir` written one name a line to `out` (0, or -1 with errno).
std::function<int()> stat_of(const std::string& path);
std::function<int()> list_into(const std::string& dir, const std::string& out);

}  // namespace mfs::test
