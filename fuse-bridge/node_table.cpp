// The dentry tree. Short critical sections under one mutex; paths are built on demand.
#include "fuse-bridge/node_table.hpp"

#include <vector>

namespace mfs::bridge {

NodeTable::NodeTable() {
  Node root;
  root.parent = 0;
  root.nlookup = 1;  // the kernel never forgets the root
  nodes_.emplace(kRootId, root);
}

std::string NodeTable::key(NodeId parent, std::string_view name) {
  std::string k = std::to_string(parent);
  k.push_back('/');
  k.append(name);
  return k;
}

NodeId NodeTable::add_lookup(NodeId parent, std::string_view name) {
  std::lock_guard lk(mu_);
  auto k = key(parent, name);
  auto it = by_name_.find(k);
  if (it != by_name_.end()) {
    ++nodes_[it->second].nlookup;
    return it->second;
  }
  NodeId id = next_id_++;
  Node n;
  n.parent = parent;
  n.name = std::string(name);
  n.nlookup = 1;
  nodes_.emplace(id, std::move(n));
  by_name_.emplace(std::move(k), id);
  auto p = nodes_.find(parent);
  if (p != nodes_.end()) ++p->second.children;
  return id;
}

void NodeTable::detach_locked(NodeId id, Node& n) {
  if (!n.linked) return;
  n.linked = false;
  by_name_.erase(key(n.parent, n.name));
  NodeId parent = n.parent;
  auto p = nodes_.find(parent);
  if (p != nodes_.end() && p->second.children > 0) {
    --p->second.children;
    maybe_erase_locked(parent);
  }
  (void)id;
}

void NodeTable::maybe_erase_locked(NodeId id) {
  if (id == kRootId) return;
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  if (it->second.nlookup > 0 || it->second.children > 0) return;
  if (keep_named_ && it->second.linked) return;
  detach_locked(id, it->second);
  nodes_.erase(id);
}

void NodeTable::forget(NodeId id, uint64_t n) {
  if (id == kRootId || id == kControlFileId) return;
  std::lock_guard lk(mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  it->second.nlookup = it->second.nlookup > n ? it->second.nlookup - n : 0;
  maybe_erase_locked(id);
}

bool NodeTable::path_locked(NodeId id, std::string& out) const {
  if (id == kRootId) {
    out = "/";
    return true;
  }
  std::vector<const std::string*> parts;
  NodeId cur = id;
  while (cur != kRootId) {
    auto it = nodes_.find(cur);
    if (it == nodes_.end() || !it->second.linked) return false;
    parts.push_back(&it->second.name);
    cur = it->second.parent;
  }
  out.clear();
  for (auto p = parts.rbegin(); p != parts.rend(); ++p) {
    out.push_back('/');
    out.append(**p);
  }
  return true;
}

std::optional<std::string> NodeTable::path(NodeId id) const {
  std::lock_guard lk(mu_);
  std::string out;
  if (!path_locked(id, out)) return std::nullopt;
  return out;
}

std::optional<std::string> NodeTable::child_path(NodeId parent, std::string_view name) const {
  std::lock_guard lk(mu_);
  std::string out;
  if (!path_locked(parent, out)) return std::nullopt;
  if (out.size() > 1) out.push_back('/');
  out.append(name);
  return out;
}

void NodeTable::rename(NodeId old_parent, std::string_view old_name, NodeId new_parent,
                       std::string_view new_name) {
  std::lock_guard lk(mu_);
  auto src = by_name_.find(key(old_parent, old_name));
  if (src == by_name_.end()) {
    // Source unknown to the kernel; only the destination name is replaced.
    auto dst = by_name_.find(key(new_parent, new_name));
    if (dst != by_name_.end()) {
      NodeId d = dst->second;
      detach_locked(d, nodes_[d]);
      maybe_erase_locked(d);
    }
    return;
  }
  NodeId id = src->second;
  auto dst = by_name_.find(key(new_parent, new_name));
  if (dst != by_name_.end() && dst->second != id) {
    NodeId d = dst->second;
    detach_locked(d, nodes_[d]);
    maybe_erase_locked(d);
  }
  Node& n = nodes_[id];
  by_name_.erase(key(old_parent, old_name));
  if (old_parent != new_parent) {
    auto op = nodes_.find(old_parent);
    if (op != nodes_.end() && op->second.children > 0) --op->second.children;
    ++nodes_[new_parent].children;
  }
  n.parent = new_parent;
  n.name = std::string(new_name);
  by_name_[key(new_parent, new_name)] = id;
  if (old_parent != new_parent) maybe_erase_locked(old_parent);
}

void NodeTable::remove_name(NodeId parent, std::string_view name) {
  std::lock_guard lk(mu_);
  auto it = by_name_.find(key(parent, name));
  if (it == by_name_.end()) return;
  NodeId id = it->second;
  detach_locked(id, nodes_[id]);
  maybe_erase_locked(id);
}

std::optional<NodeId> NodeTable::find(NodeId parent, std::string_view name) const {
  std::lock_guard lk(mu_);
  auto it = by_name_.find(key(parent, name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeId> NodeTable::ref(NodeId id) {
  std::lock_guard lk(mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return std::nullopt;
  ++it->second.nlookup;
  return id;
}

std::optional<NodeId> NodeTable::parent(NodeId id) const {
  std::lock_guard lk(mu_);
  if (id == kRootId) return kRootId;
  auto it = nodes_.find(id);
  if (it == nodes_.end() || !it->second.linked) return std::nullopt;
  return it->second.parent;
}

size_t NodeTable::size() const {
  std::lock_guard lk(mu_);
  return nodes_.size();
}

}  // namespace mfs::bridge
