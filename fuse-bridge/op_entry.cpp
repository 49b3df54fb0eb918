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

ReplyStatePtr enter_request(fuse_req_t req, const char* op, OnDeadline how, int64_t* due_ns) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  auto* b = static_cast<Bridge*>(fuse_req_userdata(req));
  auto s = std::make_shared<ReplyState>(req, Caller{ctx->uid, ctx->gid, ctx->pid, ctx->umask}, b);
  s->op = op;
  double deadline = b->snapshot()->config->branch_deadline;
  *due_ns = 0;
  if (how != OnDeadline::wait && deadline > 0) {
    s->deadline_ns = static_cast<int64_t>(deadline * 1e9) + kMarkSlack_ns;
    *due_ns = steady_ns() + s->deadline_ns;
  }
  return s;
}

}  // namespace mfs::bridge
