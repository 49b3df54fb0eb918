// The FUSE session: creating it with the options libfuse takes, mounting, the loop, unmounting.
#pragma once
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

struct fuse_session;

namespace mfs::bridge {

class Bridge;

struct MountOptions {
  std::string mountpoint;
  std::vector<std::string> fuse_opts;  // only what libfuse and the kernel take
  bool fuse_debug = false;
  unsigned max_threads = 8;
};

class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // Creates the session and mounts; on failure nothing stays mounted. 0 or -errno.
  int mount(Bridge& bridge, const MountOptions& opts, std::string& error);
  // Serves requests until exit() or a signal; returns the loop's status.
  int loop();
  // exit() and exited() are for other threads (the shutdown watchdog); a signal handler on the
  // main thread uses exit_from_signal(), which takes no lock.
  void exit();
  void exit_from_signal();
  bool exited() const;
  // Whether the top-most mount on the mountpoint is still this session's (a live upgrade may
  // have mounted a new instance over it, or detached it).
  bool owns_mountpoint() const;
  // Unmounts only while owns_mountpoint(): never the instance that replaced this one.
  void unmount();
  // The session is destroyed last, after the actors (whose reply guards may still answer).
  void destroy();
  fuse_session* raw() { return se_; }

 private:
  // The shutdown watchdog thread calls exit(), exited() and owns_mountpoint() while the main
  // thread unmounts and destroys: it uses se_ only under se_mu_, and destroy() clears se_ under
  // it before destroying the session. The main thread's signal handler may interrupt destroy()
  // itself, so it takes no lock and relies on se_ being cleared (atomically) first.
  mutable std::mutex se_mu_;
  std::atomic<fuse_session*> se_{nullptr};
  std::atomic<bool> mounted_{false};
  std::string mountpoint_;
  std::string mount_dev_;  // "major:minor" of this session's mount, from mountinfo
  unsigned max_threads_ = 8;
};

}  // namespace mfs::bridge
