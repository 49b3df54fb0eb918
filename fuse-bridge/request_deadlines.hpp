// Request deadlines: a plain watchdog thread answers every request still unanswered when its
// deadline passes, so a branch syscall that never returns costs its caller branch-deadline,
// not forever, and the kernel lock the request holds (a LOOKUP holds its directory's) is let go.
//
// Each thread that serves requests has one slot naming the request it serves and when that is
// due: entering and leaving a request costs two uncontended slot locks, no allocation, no queue.
// The watchdog scans the slots every kScanPeriod.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>

#include "fuse-bridge/reply.hpp"

namespace mfs::bridge {

// The request this thread serves, from entry to the handler's return.
class ServingRequest {
 public:
  // `due_ns` (steady clock) 0: no deadline.
  ServingRequest(ReplyStatePtr s, int64_t due_ns);
  ~ServingRequest();
  ServingRequest(const ServingRequest&) = delete;
  ServingRequest& operator=(const ServingRequest&) = delete;
};

// The state of the request this thread serves (null outside one); valid while it serves it.
ReplyState* serving_now();
// A new state for `req`, its caller read from the request (valid only while it is unanswered).
ReplyStatePtr new_request_state(fuse_req_t req);
// The caller of `req`, as copied at its entry.
Caller caller_of(fuse_req_t req);
// The caller's supplementary groups (what fuse_req_getgroups reads, from the copied pid);
// how many, at most `max`, or -1.
int caller_groups(const Caller& c, gid_t* out, int max);

class RequestDeadlines {
 public:
  RequestDeadlines();
  ~RequestDeadlines();
  RequestDeadlines(const RequestDeadlines&) = delete;
  RequestDeadlines& operator=(const RequestDeadlines&) = delete;

  // Requests answered EIO by a deadline, and requests run again after one.
  // (msg::request_figures(), which the stats dump shows.)
  uint64_t answered_eio() const;
  uint64_t rerun() const;

 private:
  void run();
  void expire(const ReplyStatePtr& s);

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mfs::bridge
