// The bridge's shared context: dentry tree, snapshot source, handles. Only the bridge sees FUSE.
#pragma once
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/coordinator/snapshot_store.hpp"
#include "fuse-bridge/handle_table.hpp"
#include "fuse-bridge/invalidator.hpp"
#include "fuse-bridge/node_table.hpp"
#include "fuse-bridge/open_gate.hpp"
#include "fuse-bridge/request_deadlines.hpp"
#include "messages/migration_sink.hpp"
#include "actors/coordinator/pool_snapshot.hpp"
#include "policy/policy_id.hpp"

namespace mfs::config {
struct Config;
}

namespace mfs::bridge {

class ControlFile;

struct DirEntry {
  std::string name;
  uint64_t ino;
  unsigned char type;  // DT_*
  int branch = -1;     // index of the first branch listing the name, in `DirListing::generation`
};

// One merged listing of a directory, never changed once built: a request reads it without the
// handle's lock, and a listing built by a request that was answered elsewhere (its deadline's
// rerun) is dropped whole.
struct DirListing {
  DirListing() = default;
  DirListing(const DirListing&) = delete;
  DirListing& operator=(const DirListing&) = delete;
  ~DirListing();
  int error = 0;  // 0 or -errno of the listing
  std::vector<DirEntry> entries;
  // Each branch's copy of the directory as listed (-1: not listed), kept open so readdirplus
  // can stat an entry with one fstatat where the listing found it.
  std::vector<int> branch_fds;
  uint64_t generation = 0;  // the snapshot the listing (and branch indexes) came from
};

// An open directory: where it is and the listing its offsets index. `mu` guards both and is
// never held across a branch syscall.
struct DirHandle {
  std::mutex mu;
  std::string path;
  std::shared_ptr<const DirListing> listing;  // null until the first readdir
};

struct FileHandle {
  FileHandle(int fd_, std::shared_ptr<BranchState> br, std::string bpath)
      : fd(fd_), branch(std::move(br)), branch_path(std::move(bpath)) {}
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int fd = -1;
  std::shared_ptr<BranchState> branch;
  std::string branch_path;
  int flags = 0;      // the open's flags, to reopen after a move
  bool nullrw = false;
  bool dropcache = false;
  NodeId node = 0;
  // Shared by every handle of the node: reads and writes hold it shared, a move exclusive, so
  // later writes to that file queue behind the move while everything else flows.
  std::shared_ptr<std::shared_mutex> io;
  uid_t owner = 0;
  bool privileged_bits = false;  // set-user-ID/set-group-ID present at open
};
void clear_privileged_bits(fuse_req_t req, FileHandle& h);
// The mode a write or truncate by the request's caller leaves (set-ID bits dropped as Linux does).
mode_t mode_after_write(fuse_req_t req, const struct stat& st);

// Where a search found a path: branch index into the snapshot, and its lstat.
struct Found {
  int err = 0;  // 0 or -errno
  size_t branch = 0;
  struct stat st {};
};

class Bridge {
 public:
  Bridge(SnapshotStore& store, std::string mountpoint);
  ~Bridge();

  SnapshotPtr snapshot() const { return store_.get(); }
  SnapshotStore& store() { return store_; }
  NodeTable& nodes() { return nodes_; }
  const std::string& mountpoint() const { return mountpoint_; }
  ControlFile& control() { return *control_; }
  Invalidator& invalidator() { return invalidator_; }
  const struct stat& control_attr() const { return control_attr_; }

  // Runs the search policy of `f` over the snapshot for `path`, with the lstat of the pick.
  Found search(const PoolSnapshot& snap, policy::Func f, const std::string& path) const;
  // st_ino per inodecalc, and the other fix-ups getattr applies.
  void present(const PoolSnapshot& snap, size_t branch, const std::string& path,
               struct stat& st) const;
  void present(const PoolSnapshot& snap, const std::string& branch_path, const std::string& path,
               struct stat& st) const;
  double attr_timeout(const PoolSnapshot& snap) const;
  // 0 for another name of a hard link (non-directory with nlink > 1): its attributes change
  // through names the kernel does not connect.
  double attr_timeout(const PoolSnapshot& snap, const struct stat& st) const;
  double entry_timeout(const PoolSnapshot& snap) const;
  double negative_timeout(const PoolSnapshot& snap) const;
  // Open handles by node: fd-based operations on a node without a handle (fchmod, and
  // anything on a file unlinked while open) use one of them. register_handle answers the
  // number for fuse_file_info::fh; file() finds it again (null once released).
  uint64_t register_handle(NodeId node, std::unique_ptr<FileHandle> h);
  std::shared_ptr<FileHandle> file(uint64_t fh) const { return files_.get(fh); }
  void release_handle(NodeId node, uint64_t fh);
  uint64_t register_dir(std::unique_ptr<DirHandle> d) { return dirs_.add(std::move(d)); }
  std::shared_ptr<DirHandle> dir(uint64_t fh) const { return dirs_.get(fh); }
  void release_dir(uint64_t fh) { dirs_.remove(fh); }
  std::shared_ptr<FileHandle> open_handle(NodeId node) const;
  std::vector<std::shared_ptr<FileHandle>> handles_of(NodeId node) const;
  // A handle of the node now at `path` is registered.
  bool is_open(const std::string& path) const;
  OpenGate& open_gate() { return open_gate_; }
  const RequestDeadlines& deadlines() const { return deadlines_; }
  void set_migration_sink(MigrationSink* m) { migrations_ = m; }
  MigrationSink* migrations() const { return migrations_; }

  // The attributes shown for the root when no branch is usable.
  struct stat fake_root() const;

 private:
  SnapshotStore& store_;
  std::string mountpoint_;
  NodeTable nodes_;
  std::unique_ptr<ControlFile> control_;
  Invalidator invalidator_;
  HandleTable<FileHandle> files_;
  HandleTable<DirHandle> dirs_;
  MigrationSink* migrations_ = nullptr;
  mutable std::mutex handles_mu_;
  std::unordered_map<NodeId, std::vector<std::shared_ptr<FileHandle>>> handles_;
  OpenGate open_gate_;
  RequestDeadlines deadlines_;
  struct stat control_attr_ {};
};

// symlinkify (FEATURES.md §1.2): a non-directory without write bits, unchanged for longer than
// the timeout, is shown as a symlink to its branch path.
bool symlinkified(const config::Config& cfg, const struct stat& st);

// The staging folder of moves (BRANCH/.mergerfs.staging) is never reachable through the pool.
bool is_staging_name(fuse_ino_t parent, const char* name);

// Fills the lowlevel op table (every op lives in an ops_*.cpp file).
void fill_ops(fuse_lowlevel_ops& ops);
Bridge& bridge_of(fuse_req_t req);

}  // namespace mfs::bridge
