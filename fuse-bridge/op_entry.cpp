// Request entry: the caller's context and the deadline, read while the fuse_req_t is valid.
#include "fuse-bridge/op_entry.hpp"

#include "config/config.hpp"
#include "messages/clock.hpp"

namespace mfs::bridge {
namespace {
// Past branch-deadline, two ticks of the branch actor (which marks the late branch slow) and
// one scan of the watchdog.
constexpr int64_t kMarkSlack_ns = 250 * 1000 * 1000;
}  // namespace

Entered enter_request(fuse_req_t req, const char* op, OnDeadline how) {
  Entered in;
  in.state = new_request_state(req);
  in.state->op = op;
  auto snap = static_cast<Bridge*>(in.state->bridge)->snapshot();
  in.trace = snap->config->debug;
  double deadline = snap->config->branch_deadline;
  if (how != OnDeadline::wait && deadline > 0) {
    in.state->deadline_ns = static_cast<int64_t>(deadline * 1e9) + kMarkSlack_ns;
    in.due_ns = steady_ns() + in.state->deadline_ns;
    in.state->due_ns = in.due_ns;
  }
  return in;
}

}  // namespace mfs::bridge
