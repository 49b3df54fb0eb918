// Asks the kernel to drop cached attributes of nodes, from its own thread: calling
// fuse_lowlevel_notify_inval_inode inside a request handler can deadlock.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

struct fuse_session;

namespace mfs::bridge {

class Invalidator {
 public:
  Invalidator() = default;
  ~Invalidator();
  Invalidator(const Invalidator&) = delete;
  Invalidator& operator=(const Invalidator&) = delete;

  void start(fuse_session* se);
  void stop();
  void inode(uint64_t ino);
  // Drops the kernel's dentry `name` under `parent`. Queued from a rename handler it is applied
  // once the rename syscall releases its directory locks, so after the kernel moved the dentry.
  void entry(uint64_t parent, std::string name);
  // Attributes only (no page cache), synchronously: safe inside a handler, since the kernel
  // takes no inode lock for it.
  void attrs_now(uint64_t ino);

 private:
  void run();
  fuse_session* se_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Item {
    uint64_t ino;
    std::string name;  // empty: the inode's data and attributes; else a dentry under ino
  };
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mfs::bridge
