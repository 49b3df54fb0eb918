// How every lowlevel op is entered: the caller's context is copied, the request is traced
// (debug), and it is served with a deadline (request_deadlines.hpp) chosen per op below.
#pragma once
#include <optional>
#include <string>
#include <type_traits>

#include "fuse-bridge/request_deadlines.hpp"
#include "fuse-bridge/request_trace.hpp"

namespace mfs::bridge {

enum class OnDeadline {
  wait,   // no deadline: release (its close runs off the worker: FileHandle) and calls that
          // make no branch syscall
  eio,    // answered EIO: the op needs the late branch, or is not safe to repeat
  rerun,  // run again without the late branch: lookups and listings, which change nothing (a
          // listing is installed only by the answer the kernel gets: ops_readdir.cpp)
};

// A request as it enters: its state, when it is due (0: no deadline) and whether debug traces
// it, all from one read of the snapshot. The watchdog fires a little after branch-deadline:
// the branch actor (100 ms tick) has marked the late branch slow by then, so a rerun skips it.
struct Entered {
  ReplyStatePtr state;
  int64_t due_ns = 0;
  bool trace = false;
};
Entered enter_request(fuse_req_t req, const char* op, OnDeadline how);

// An argument kept for a rerun: the request's buffers belong to the libfuse worker, which
// reuses them once the original handler returns.
template <typename T>
struct Held {
  T v;
  explicit Held(T x) : v(x) {}
  T get() { return v; }
};
template <>
struct Held<const char*> {
  std::optional<std::string> v;
  explicit Held(const char* x) {
    if (x) v.emplace(x);
  }
  const char* get() { return v ? v->c_str() : nullptr; }
};
template <>
struct Held<fuse_file_info*> {
  std::optional<fuse_file_info> v;
  explicit Held(fuse_file_info* x) {
    if (x) v.emplace(*x);
  }
  fuse_file_info* get() { return v ? &*v : nullptr; }
};

// `Strings`: how many of the op's C-string arguments are names, for the trace (write's buffer
// and setxattr's value are not).
template <auto Op, const char* Name, OnDeadline How, int Strings = 2>
struct Entry;
template <typename... A, void (*Op)(fuse_req_t, A...), const char* Name, OnDeadline How,
          int Strings>
struct Entry<Op, Name, How, Strings> {
  static void call(fuse_req_t req, A... a) {
    Entered in = enter_request(req, Name, How);
    if (in.trace) {
      std::string args;
      int strings = Strings;
      (append_trace_arg(args, a, strings), ...);
      trace_request(req, Name, args);
    }
    if constexpr (How == OnDeadline::rerun) {
      if (in.due_ns) {
        in.state->rerun = [held = std::make_shared<std::tuple<Held<A>...>>(Held<A>(a)...)](
                       const ReplyStatePtr& st) {
          std::apply([&](auto&... h) { Op(st->req, h.get()...); }, *held);
        };
      }
    }
    ServingRequest serve(std::move(in.state), in.due_ns);
    Op(req, a...);
  }
};

}  // namespace mfs::bridge
