// The reply guard: the only way to answer a FUSE request. Exactly one reply; EIO if dropped.
#pragma once
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <atomic>
#include <memory>
#include <string_view>

namespace mfs::bridge {

class Reply {
 public:
  explicit Reply(fuse_req_t req) : req_(req) {}
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  // Nobody answered (exception, dropped message, shutdown): the caller gets EIO, never a hang.
  ~Reply() {
    if (claim()) fuse_reply_err(req_, EIO);
  }

  fuse_req_t req() const { return req_; }
  // Hands the request to another guard (work that continues elsewhere); this one stays silent.
  std::shared_ptr<Reply> transfer() {
    done_.store(true, std::memory_order_release);
    return std::make_shared<Reply>(req_);
  }
  bool replied() const { return done_.load(std::memory_order_acquire); }

  // `rc` is 0 (success, for ops that answer with a status only) or -errno, the sign every
  // layer below uses, so no caller flips it. A positive value would be a sign bug: EIO.
  void result(int rc) {
    if (claim()) fuse_reply_err(req_, rc <= 0 ? -rc : EIO);
  }
  void none() {
    if (claim()) fuse_reply_none(req_);
  }
  void entry(const fuse_entry_param& e) {
    if (claim()) fuse_reply_entry(req_, &e);
  }
  void create(const fuse_entry_param& e, const fuse_file_info& fi) {
    if (claim()) fuse_reply_create(req_, &e, &fi);
  }
  void attr(const struct stat& st, double timeout) {
    if (claim()) fuse_reply_attr(req_, &st, timeout);
  }
  void open(const fuse_file_info& fi) {
    if (claim()) fuse_reply_open(req_, &fi);
  }
  void write(size_t n) {
    if (claim()) fuse_reply_write(req_, n);
  }
  void buf(const char* data, size_t size) {
    if (claim()) fuse_reply_buf(req_, data, size);
  }
  void data(fuse_bufvec* bv) {
    if (claim()) fuse_reply_data(req_, bv, FUSE_BUF_SPLICE_MOVE);
  }
  void readlink(const char* link) {
    if (claim()) fuse_reply_readlink(req_, link);
  }
  void statfs(const struct statvfs& sv) {
    if (claim()) fuse_reply_statfs(req_, &sv);
  }
  void xattr(size_t size) {
    if (claim()) fuse_reply_xattr(req_, size);
  }
  void lseek(off_t off) {
    if (claim()) fuse_reply_lseek(req_, off);
  }

 private:
  bool claim() { return !done_.exchange(true, std::memory_order_acq_rel); }
  fuse_req_t req_;
  std::atomic<bool> done_{false};
};

using ReplyPtr = std::shared_ptr<Reply>;

}  // namespace mfs::bridge
