// The dentry tree: one node per (parent, name), lookup counts, forget, rename and unlink.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mfs::bridge {

using NodeId = uint64_t;
inline constexpr NodeId kRootId = 1;         // FUSE_ROOT_ID
inline constexpr NodeId kControlFileId = 2;  // MOUNT/.mergerfs, never in the table
inline constexpr uint64_t kGeneration = 1;   // node ids are never reused, so one generation

// Node ids are handed to the kernel; the table maps them back to paths at syscall time, so
// a concurrent rename of a directory is seen by every later request below it.
class NodeTable {
 public:
  NodeTable();

  // A successful lookup of `name` under `parent`: finds or adds the node, counts one lookup.
  NodeId add_lookup(NodeId parent, std::string_view name);
  // The kernel dropped `n` lookups of `id`.
  void forget(NodeId id, uint64_t n);
  // "/a/b" for a node; nullopt when the node is unknown or unlinked (no longer has a name).
  std::optional<std::string> path(NodeId id) const;
  // Path of `name` under `parent`.
  std::optional<std::string> child_path(NodeId parent, std::string_view name) const;
  // The name moved; a node that was at the destination loses its name.
  void rename(NodeId old_parent, std::string_view old_name, NodeId new_parent,
              std::string_view new_name);
  // The name is gone; its node (if any) stays alive for open files until forgotten.
  void remove_name(NodeId parent, std::string_view name);
  // The node a name points at, if known.
  std::optional<NodeId> find(NodeId parent, std::string_view name) const;
  size_t size() const;
  // never-forget-nodes: a node keeps its id while it has a name, even once the kernel forgot
  // it, so a file handle held by an NFS client still resolves (lookup of "." by id).
  void keep_named_nodes(bool on) {
    std::lock_guard lk(mu_);
    keep_named_ = on;
  }
  // For lookups of "." and "..": the node itself or its parent, counted as one more lookup.
  std::optional<NodeId> ref(NodeId id);
  std::optional<NodeId> parent(NodeId id) const;

 private:
  struct Node {
    NodeId parent = 0;
    std::string name;
    uint64_t nlookup = 0;
    uint64_t children = 0;  // named children: keeps this node's path alive
    bool linked = true;     // false once unlinked or replaced
  };
  static std::string key(NodeId parent, std::string_view name);
  void detach_locked(NodeId id, Node& n);
  void maybe_erase_locked(NodeId id);
  bool path_locked(NodeId id, std::string& out) const;

  mutable std::mutex mu_;
  std::unordered_map<NodeId, Node> nodes_;
  std::unordered_map<std::string, NodeId> by_name_;
  NodeId next_id_ = 3;
  bool keep_named_ = false;
};

}  // namespace mfs::bridge
