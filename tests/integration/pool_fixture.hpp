// The one way tests start a pool: temp or tmpfs branches, the daemon in the foreground, wait
// until mounted, and unmount + kill on every exit path (RAII), with timeouts.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace mfs::test {

struct PoolSpec {
  int branches = 3;
  std::string options;       // -o value (extra to the test defaults)
  size_t tmpfs_mb = 0;       // >0: each branch is a tmpfs of this size
  std::vector<std::string> branch_suffixes;  // e.g. "=RO" per branch (optional)
  bool start = true;
  // Capabilities removed from the daemon's bounding set before exec (a hardened unit without
  // CAP_DAC_OVERRIDE, say): root then obeys mode bits on the branches.
  std::vector<int> drop_caps;
  bool fuse_debug = false;  // -d: libfuse's request trace (INIT flags, opcodes) in log()
};

// Result of a syscall: its return value and errno (0 when it succeeded).
struct Outcome {
  long ret = 0;
  int err = 0;
  bool operator==(const Outcome& o) const { return ret == o.ret && err == o.err; }
};
std::string describe(const Outcome& o);
// Runs fn, capturing errno.
Outcome sys(const std::function<long()>& fn);
// Runs fn in a child process as uid/gid (no supplementary groups).
Outcome as_user(uid_t uid, gid_t gid, const std::function<long()>& fn);
inline constexpr uid_t kNobody = 65534;
inline constexpr gid_t kNogroup = 65534;

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Pool {
 public:
  explicit Pool(PoolSpec spec = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Starts the daemon (if not started) and waits until the mount answers; fails the test if not.
  void start();
  // Unmounts and waits for the daemon to exit; returns its exit status (or -1).
  int stop();
  // Kills the daemon with `sig` and reaps it, leaving whatever it leaves (a dead mount after
  // SIGKILL); start() may then be called again.
  void kill_daemon(int sig);

  const std::string& mnt() const { return mnt_; }
  const std::string& branch(int i) const { return branches_.at(static_cast<size_t>(i)); }
  std::string branch_arg() const;  // "b0:b1:b2" with suffixes
  std::string path(const std::string& rel) const { return mnt_ + "/" + rel; }
  std::string on_branch(int i, const std::string& rel) const { return branch(i) + "/" + rel; }
  const std::string& root() const { return tmp_.path(); }
  pid_t pid() const { return pid_; }
  std::string log() const;

 private:
  PoolSpec spec_;
  TempDir tmp_;
  std::string mnt_;
  std::vector<std::string> branches_;
  std::vector<std::string> tmpfs_mounts_;
  pid_t pid_ = -1;
};

// A branch that is itself a FUSE mount (libfuse's passthrough_ll example, built into `workdir`)
// over `workdir`/pll-src, so its syscalls can be frozen with SIGSTOP. Mount it on a branch
// directory before the pool starts; the destructor thaws and unmounts it.
class FreezableBranch {
 public:
  FreezableBranch(const std::string& workdir, const std::string& mnt);
  ~FreezableBranch();
  FreezableBranch(const FreezableBranch&) = delete;
  FreezableBranch& operator=(const FreezableBranch&) = delete;
  bool ok() const { return ok_; }
  const std::string& src() const { return src_; }  // the directory it serves
  void freeze();
  void thaw();

 private:
  std::string mnt_, src_;
  pid_t pid_ = -1;
  bool ok_ = false;
};

// The stats summary (user.mergerfs.stats on the control file; "" if unreadable), and one field
// of one actor's entry in it ("branch-0", "health" -> "ok"), "" when absent.
std::string stats_summary(const Pool& p);
std::string stats_field(const std::string& summary, const std::string& actor, const std::string& name);

// Runtime option through the control file (setfattr -n user.mergerfs.KEY); fails the test if
// refused. get_option: the value, or "<strerror>" when the get fails.
void set_option(const Pool& pool, const std::string& key, const std::string& value);
std::string get_option(const Pool& pool, const std::string& key);

// Names in a directory, without "." and ".." (empty if it cannot be opened).
std::set<std::string> names_in(const std::string& dir);
// A symlink's target, or "<strerror>".
std::string readlink_of(const std::string& path);
// Pages of `path` in the page cache, through a fresh open + mmap + mincore (SIZE_MAX on error).
size_t resident_pages(const std::string& path);

// Polls `pred` every 20 ms until it holds or `timeout` passes; returns whether it held.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

// Shell helpers for set-up (not for the behaviour under test).
void write_file(const std::string& path, const std::string& data, mode_t mode = 0644);
std::string read_file(const std::string& path);
void make_dirs(const std::string& path, mode_t mode = 0755);
bool exists(const std::string& path);
bool is_mounted(const std::string& path);
// Runs a command line with /bin/sh; returns its exit status, stdout+stderr in `out`.
int run(const std::string& cmd, std::string* out = nullptr, int timeout_s = 60);
std::string mergerfs_bin();

// A textual snapshot of the tree below `root` (root included as "."), one line per entry in
// path order: type, mode, owner, size, link count (not for directories), a content digest,
// symlink target, device number, user.* xattrs, and, if asked, mtime (with ns). A name with
// several hard links inside the tree shows "=first-name" of its inode. Compare two snapshots
// with line_diff to see the lines that differ. st_ino and st_dev are never shown.
struct TreeOptions {
  bool mtimes = false;      // mtime of everything but directories
  bool dir_mtimes = false;  // mtime of directories too
  bool nlink = true;        // st_nlink of non-directories, and which names share an inode
};
std::string describe_tree(const std::string& root, const TreeOptions& opt = {});
// The lines only in `got` ("+ ") and only in `want` ("- "); empty when the two are the same.
std::string line_diff(const std::string& got, const std::string& want);

}  // namespace mfs::test
