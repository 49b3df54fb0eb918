// getxattr, listxattr, setxattr, removexattr: the control file, the per-file query keys, and
// the branches' own xattrs.
#include <sys/xattr.h>

#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/control_file.hpp"
#include "fuse-bridge/fanout.hpp"
#include "fuse-bridge/ops.hpp"

namespace mfs::bridge {
namespace {

// user.mergerfs.basepath/relpath/fullpath/allpaths on any path (FEATURES.md §3.2).
bool query_key(Bridge& b, const PoolSnapshot& snap, const std::string& path, const char* name,
               size_t size, Reply& reply) {
  static const std::string prefix = ControlFile::kPrefix;
  if (std::strncmp(name, prefix.c_str(), prefix.size()) != 0) return false;
  std::string key(name + prefix.size());
  if (key == "allpaths") {
    std::string out;
    for (const auto& br : snap.branches) {
      struct stat st {};
      // A branch that is not healthy, or hangs now, is left out (branch_call.hpp).
      if (run_admitted(*br.rt, [&] { return fs::lstat(br.rt->root_fd(), path, st); }) < 0) continue;
      out += br.path + (path == "/" ? "" : path);
      out.push_back('\0');
    }
    if (out.empty()) {
      reply.result(-ENOENT);
      return true;
    }
    reply_value(reply, out, size);
    return true;
  }
  if (key != "basepath" && key != "relpath" && key != "fullpath") {
    reply.result(-ENODATA);
    return true;
  }
  Found f = b.search(snap, policy::Func::getxattr, path);
  if (f.err) {
    reply.result(f.err);
    return true;
  }
  const std::string& base = snap.branches[f.branch].path;
  std::string rel = path == "/" ? "" : path.substr(1);
  std::string v = key == "basepath" ? base : key == "relpath" ? rel : base + (rel.empty() ? "" : "/" + rel);
  reply_value(reply, v, size);
  return true;
}

}  // namespace

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  if (ino == kControlFileId) return b.control().getxattr(reply, name, size);
  auto snap = b.snapshot();
  const auto& cfg = *snap->config;
  if (cfg.xattr == config::XattrMode::noattr) return reply.result(-ENODATA);
  if (cfg.xattr == config::XattrMode::nosys) return reply.result(-ENOSYS);
  if (!cfg.security_capability && std::strcmp(name, "security.capability") == 0)
    return reply.result(-ENODATA);
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  if (query_key(b, *snap, *path, name, size, reply)) return;
  Found f = b.search(*snap, policy::Func::getxattr, *path);
  if (f.err) return reply.result(f.err);
  BranchState& rt = *snap->branches[f.branch].rt;
  std::vector<char> buf(size);
  auto guard = admit_healthy(rt);  // the branch found may hang since the search
  if (!guard.admitted()) return reply.result(-EIO);
  ssize_t n = fs::getxattr(rt.root_fd(), *path, name, size ? buf.data() : nullptr, size);
  if (n < 0) return reply.result(static_cast<int>(n));
  if (size == 0) return reply.xattr(static_cast<size_t>(n));
  reply.buf(buf.data(), static_cast<size_t>(n));
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  if (ino == kControlFileId) return b.control().listxattr(reply, size);
  auto snap = b.snapshot();
  const auto& cfg = *snap->config;
  if (cfg.xattr == config::XattrMode::noattr) return size ? reply.buf(nullptr, 0) : reply.xattr(0);
  if (cfg.xattr == config::XattrMode::nosys) return reply.result(-ENOSYS);
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  Found f = b.search(*snap, policy::Func::listxattr, *path);
  if (f.err) return reply.result(f.err);
  BranchState& rt = *snap->branches[f.branch].rt;
  std::vector<char> buf(size);
  auto guard = admit_healthy(rt);
  if (!guard.admitted()) return reply.result(-EIO);
  ssize_t n = fs::listxattr(rt.root_fd(), *path, size ? buf.data() : nullptr, size);
  if (n < 0) return reply.result(static_cast<int>(n));
  if (size == 0) return reply.xattr(static_cast<size_t>(n));
  reply.buf(buf.data(), static_cast<size_t>(n));
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value,
                 size_t size, int flags) {
  Bridge& b = bridge_of(req);
  if (ino == kControlFileId) return b.control().setxattr(req, name, value, size, flags);
  Reply reply(req);
  auto snap = b.snapshot();
  const auto& cfg = *snap->config;
  if (cfg.xattr == config::XattrMode::noattr) return reply.result(-ENODATA);
  if (cfg.xattr == config::XattrMode::nosys) return reply.result(-ENOSYS);
  if (!cfg.security_capability && std::strcmp(name, "security.capability") == 0)
    return reply.result(-ENODATA);
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  BranchResults results;
  int e = run_action(b, *snap, policy::Func::setxattr, *path, [&](const BranchSlot& br) {
    return fs::setxattr(br.rt->root_fd(), *path, name, value, size, flags);
  }, results);
  if (e) return reply.result(e);
  reply.result(resolve_action(b, *snap, policy::Func::getxattr, *path, results));
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  if (ino == kControlFileId) return reply.result(-ENOTSUP);
  auto snap = b.snapshot();
  const auto& cfg = *snap->config;
  if (cfg.xattr == config::XattrMode::noattr) return reply.result(-ENODATA);
  if (cfg.xattr == config::XattrMode::nosys) return reply.result(-ENOSYS);
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  BranchResults results;
  int e = run_action(b, *snap, policy::Func::removexattr, *path, [&](const BranchSlot& br) {
    return fs::removexattr(br.rt->root_fd(), *path, name);
  }, results);
  if (e) return reply.result(e);
  reply.result(resolve_action(b, *snap, policy::Func::getxattr, *path, results));
}

}  // namespace mfs::bridge
