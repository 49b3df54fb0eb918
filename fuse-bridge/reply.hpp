// The reply guard and the shared answer state behind it.
#pragma once
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace mfs::bridge {

// What a handler may need of its caller, copied when the request arrives: a request answered
// (by its deadline, or a rerun) frees its fuse_req_t while a handler stuck in a branch syscall
// may still be running, so nothing reads the fuse_req_t past entry.
struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  mode_t umask = 0;
};

// One FUSE request's answer, shared by everyone who may give it: its handler, a rerun after its
// deadline, the deadline watchdog. The first to claim it answers; if nobody does, the last
// owner to let go answers EIO, so a request never goes unanswered.
struct ReplyState : std::enable_shared_from_this<ReplyState> {
  ReplyState(fuse_req_t r, const Caller& c, void* b) : req(r), caller(c), bridge(b) {}
  ReplyState(const ReplyState&) = delete;
  ReplyState& operator=(const ReplyState&) = delete;
  ~ReplyState() {
    if (claim()) fuse_reply_err(req, EIO);
  }
  bool claim() { return !done.exchange(true, std::memory_order_acq_rel); }

  fuse_req_t req;
  Caller caller;
  void* bridge;  // the Bridge serving it (fuse_req_userdata, read at entry)
  std::atomic<bool> done{false};
  // Handed to a migration (moveonenospc), which answers on its own clock, not the deadline's.
  std::atomic<bool> deadline_exempt{false};
  // Runs the handler again on a fresh thread once the deadline passed (idempotent lookups
  // only; the late branch is skipped by then); null: the deadline answers EIO.
  std::function<void(const std::shared_ptr<ReplyState>&)> rerun;
  std::atomic<bool> rerun_started{false};
  int64_t deadline_ns = 0;  // branch-deadline when the request arrived; 0: none
  int64_t due_ns = 0;       // when its deadline passes (steady clock); 0: none
  const char* op = "";
};
using ReplyStatePtr = std::shared_ptr<ReplyState>;

// The state of the request this thread serves (set by the op entry for the handler's thread and
// for a rerun's), or a new one for `req`.
ReplyStatePtr state_for(fuse_req_t req);

// The reply guard: the only way to answer a FUSE request. Exactly one reply; EIO if dropped.
class Reply {
 public:
  explicit Reply(fuse_req_t req) : s_(state_for(req)) {}
  explicit Reply(ReplyStatePtr s) : s_(std::move(s)) {}
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  fuse_req_t req() const { return s_->req; }
  // Hands the request to work that continues elsewhere, beyond the request's deadline.
  std::shared_ptr<Reply> transfer() {
    s_->deadline_exempt.store(true, std::memory_order_release);
    return std::make_shared<Reply>(s_);
  }
  bool replied() const { return s_->done.load(std::memory_order_acquire); }
  // The shared answer, for work that answers it on another thread under the same deadline.
  const ReplyStatePtr& state() const { return s_; }

  // For answers with side effects (a node's lookup count, a registered handle): claim first,
  // and only on success apply them and answer with the claimed_* call. False: the request was
  // answered already (its deadline passed), so the result is dropped with no side effect.
  bool claim() { return s_->claim(); }
  void claimed_entry(const fuse_entry_param& e) { fuse_reply_entry(s_->req, &e); }
  void claimed_create(const fuse_entry_param& e, const fuse_file_info& fi) {
    fuse_reply_create(s_->req, &e, &fi);
  }
  void claimed_open(const fuse_file_info& fi) { fuse_reply_open(s_->req, &fi); }
  void claimed_result(int rc) { fuse_reply_err(s_->req, rc <= 0 ? -rc : EIO); }
  void claimed_buf(const char* data, size_t size) { fuse_reply_buf(s_->req, data, size); }

  // `rc` is 0 (success, for ops that answer with a status only) or -errno, the sign every
  // layer below uses, so no caller flips it. A positive value would be a sign bug: EIO.
  void result(int rc) {
    if (claim()) claimed_result(rc);
  }
  void none() {
    if (claim()) fuse_reply_none(s_->req);
  }
  void entry(const fuse_entry_param& e) {
    if (claim()) claimed_entry(e);
  }
  void open(const fuse_file_info& fi) {
    if (claim()) claimed_open(fi);
  }
  void attr(const struct stat& st, double timeout) {
    if (claim()) fuse_reply_attr(s_->req, &st, timeout);
  }
  void write(size_t n) {
    if (claim()) fuse_reply_write(s_->req, n);
  }
  void buf(const char* data, size_t size) {
    if (claim()) claimed_buf(data, size);
  }
  void data(fuse_bufvec* bv) {
    if (claim()) fuse_reply_data(s_->req, bv, FUSE_BUF_SPLICE_MOVE);
  }
  void readlink(const char* link) {
    if (claim()) fuse_reply_readlink(s_->req, link);
  }
  void statfs(const struct statvfs& sv) {
    if (claim()) fuse_reply_statfs(s_->req, &sv);
  }
  void xattr(size_t size) {
    if (claim()) fuse_reply_xattr(s_->req, size);
  }
  void lseek(off_t off) {
    if (claim()) fuse_reply_lseek(s_->req, off);
  }

 private:
  ReplyStatePtr s_;
};

using ReplyPtr = std::shared_ptr<Reply>;

}  // namespace mfs::bridge
