// The bridge's shared context: dentry tree, snapshot source, handles. Only the bridge sees FUSE.
#pragma once
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/snapshot_store.hpp"
#include "fuse-bridge/node_table.hpp"
#include "messages/pool_snapshot.hpp"
#include "policy/policy_id.hpp"

namespace mfs::bridge {

class ControlFile;

struct DirEntry {
  std::string name;
  uint64_t ino;
  unsigned char type;  // DT_*
};

struct DirHandle {
  std::string path;
  std::mutex mu;
  bool loaded = false;
  int error = 0;
  std::vector<DirEntry> entries;
};

struct FileHandle {
  int fd = -1;
  std::shared_ptr<BranchRuntime> branch;
  std::string branch_path;
};

// Where a search found a path: branch index into the snapshot, and its lstat.
struct Found {
  int err = 0;
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
  const struct stat& control_attr() const { return control_attr_; }

  // Runs the search policy of `f` over the snapshot for `path`, with the lstat of the pick.
  Found search(const PoolSnapshot& snap, policy::Func f, const std::string& path) const;
  // st_ino per inodecalc, and the other fix-ups getattr applies.
  void present(const PoolSnapshot& snap, size_t branch, const std::string& path,
               struct stat& st) const;
  double attr_timeout(const PoolSnapshot& snap) const;
  double entry_timeout(const PoolSnapshot& snap) const;
  double negative_timeout(const PoolSnapshot& snap) const;
  // The attributes shown for the root when no branch is usable.
  struct stat fake_root() const;

 private:
  SnapshotStore& store_;
  std::string mountpoint_;
  NodeTable nodes_;
  std::unique_ptr<ControlFile> control_;
  struct stat control_attr_ {};
};

// Fills the lowlevel op table (every op lives in an ops_*.cpp file).
void fill_ops(fuse_lowlevel_ops& ops);
Bridge& bridge_of(fuse_req_t req);

}  // namespace mfs::bridge
