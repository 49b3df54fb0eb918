// A pool's control file (MOUNT/.mergerfs) as mergerfs-ctl uses it: get, set and list the
// user.mergerfs.* xattrs, with each refusal turned into a clear message and an exit code.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace mfs::ctl {

// Exit codes, documented in README.md beside this file.
enum Exit : int {
  kOk = 0,
  kFailed = 1,    // anything else (I/O error, the daemon went away, ...)
  kUsage = 2,     // bad command line
  kNotPool = 3,   // MOUNT is not a mergerfs pool
  kDenied = 4,    // a change by someone other than root
  kBadKey = 5,    // unknown key, or a read-only one for a change
  kBadValue = 6,  // the value was refused
};

// A failure to report: message (without the program name) and exit code.
class CtlError : public std::runtime_error {
 public:
  CtlError(int code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// "user.mergerfs.KEY" or "KEY" -> "KEY".
std::string bare_key(const std::string& key);

class ControlFile {
 public:
  // MOUNT is the pool's mountpoint (or its .mergerfs file). Throws CtlError(kNotPool) unless
  // the control file answers user.mergerfs.version.
  explicit ControlFile(const std::string& mount);

  const std::string& mount() const { return mount_; }
  const std::string& path() const { return path_; }

  // The value of user.mergerfs.<key>; throws CtlError (kBadKey for an unknown key).
  std::string get(const std::string& key) const;
  // As get, but returns -errno instead of throwing.
  int try_get(const std::string& key, std::string& out) const;
  // Changes a key or runs a cmd.*; throws CtlError with the refusal's exit code.
  void set(const std::string& key, const std::string& value) const;
  // Listed keys, without the user.mergerfs. prefix, in the daemon's order.
  std::vector<std::string> keys() const;

 private:
  std::string mount_;
  std::string path_;
};

}  // namespace mfs::ctl
