// lookup, getattr, forget, readlink, access: the search path, inline on the FUSE thread.
#include <sys/stat.h>

#include <climits>
#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/control_file.hpp"
#include "fuse-bridge/ops.hpp"

namespace mfs::bridge {
namespace {
constexpr double kControlFileTimeout = 86400;
}  // namespace

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  if (parent == kRootId && std::strcmp(name, ControlFile::kName) == 0) {
    fuse_entry_param e{};
    e.ino = kControlFileId;
    e.generation = kGeneration;
    e.attr = b.control_attr();
    // The control file never changes: the kernel may keep its name for good, so reaching it
    // needs no LOOKUP in the root, which can wait behind a lookup stuck on a hung branch.
    e.entry_timeout = kControlFileTimeout;
    e.attr_timeout = kControlFileTimeout;
    return reply.entry(e);
  }
  if (std::strlen(name) > NAME_MAX) return reply.result(-ENAMETOOLONG);
  if (is_staging_name(parent, name)) return reply.result(-ENOENT);
  // "." and ".." by node id: what NFS export (export-support) asks after a server restart.
  if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
    auto target = name[1] ? b.nodes().parent(parent) : std::optional<NodeId>(parent);
    auto tpath = target ? b.nodes().path(*target) : std::nullopt;
    if (!tpath) return reply.result(-ENOENT);
    Found f = b.search(*snap, policy::Func::getattr, *tpath);
    if (f.err) return reply.result(f.err);
    b.present(*snap, f.branch, *tpath, f.st);
    fuse_entry_param e{};
    e.attr = f.st;
    e.generation = kGeneration;
    e.attr_timeout = b.attr_timeout(*snap, f.st);
    e.entry_timeout = b.entry_timeout(*snap);
    if (!reply.claim()) return;  // answered by its deadline: no lookup count to take
    if (*target != kRootId) b.nodes().ref(*target);
    e.ino = *target;
    return reply.claimed_entry(e);
  }
  auto path = b.nodes().child_path(parent, name);
  if (!path) return reply.result(-ENOENT);
  Found f = b.search(*snap, policy::Func::getattr, *path);
  if (f.err) {
    if (f.err == -ENOENT && b.negative_timeout(*snap) > 0) {
      fuse_entry_param e{};
      e.ino = 0;
      e.entry_timeout = b.negative_timeout(*snap);
      return reply.entry(e);
    }
    return reply.result(f.err);
  }
  b.present(*snap, f.branch, *path, f.st);
  fuse_entry_param e{};
  e.attr = f.st;
  e.generation = kGeneration;
  e.attr_timeout = b.attr_timeout(*snap, f.st);
  e.entry_timeout = b.entry_timeout(*snap);
  if (!reply.claim()) return;  // answered by its deadline (or its rerun): the kernel holds no count
  e.ino = b.nodes().add_lookup(parent, name);
  reply.claimed_entry(e);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  if (ino == kControlFileId) return reply.attr(b.control_attr(), kControlFileTimeout);
  auto path = b.nodes().path(ino);
  // An open file (fstat, or the kernel refreshing attributes for a read) answers from its
  // handle: it stays right when the name was unlinked, renamed or its branch removed.
  std::shared_ptr<FileHandle> held = fi ? b.file(fi->fh) : nullptr;
  FileHandle* h = held.get();
  if (!h && !path) {
    held = b.open_handle(ino);
    h = held.get();
  }
  if (h) {
    // The kernel asks this before each read of a file open on a branch that may hang: a slow
    // or failed branch answers EIO, a busy one from its executor (branch_call.hpp).
    return on_branch(h->branch, reply, [held, snap, path](Reply& r) {
      Bridge& rb = bridge_of(r.req());
      struct stat st {};
      if (::fstat(held->fd, &st) < 0) return r.result(-errno);
      rb.present(*snap, held->branch_path, path ? *path : std::string(), st);
      r.attr(st, path ? rb.attr_timeout(*snap, st) : 0);
    });
  }
  if (!path) return reply.result(-ENOENT);
  Found f = b.search(*snap, policy::Func::getattr, *path);
  if (f.err) {
    if (ino == kRootId) return reply.attr(b.fake_root(), 0);
    return reply.result(f.err);
  }
  b.present(*snap, f.branch, *path, f.st);
  if (ino == kRootId) f.st.st_ino = kRootId;
  reply.attr(f.st, b.attr_timeout(*snap, f.st));
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Reply reply(req);
  bridge_of(req).nodes().forget(ino, nlookup);
  reply.none();
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  for (size_t i = 0; i < count; ++i) b.nodes().forget(forgets[i].ino, forgets[i].nlookup);
  reply.none();
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  Found f = b.search(*snap, policy::Func::readlink, *path);
  if (f.err) return reply.result(f.err);
  if (symlinkified(*snap->config, f.st))
    return reply.readlink((snap->branches[f.branch].path + *path).c_str());
  std::string target;
  // Found on a branch that may hang since: a slot, as for every syscall after a search.
  BranchState& rt = *snap->branches[f.branch].rt;
  int r = run_admitted(rt, [&] { return fs::readlink(rt.root_fd(), *path, target); });
  if (r < 0) return reply.result(r);
  reply.readlink(target.c_str());
}

void op_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  if (ino == kControlFileId) return reply.result(0);
  auto snap = b.snapshot();
  auto path = b.nodes().path(ino);
  if (!path) return reply.result(-ENOENT);
  Found f = b.search(*snap, policy::Func::access, *path);
  if (f.err) return reply.result(f.err);
  BranchState& rt = *snap->branches[f.branch].rt;
  int r = run_admitted(rt, [&] { return fs::access(rt.root_fd(), *path, mask); });
  reply.result(r < 0 ? r : 0);
}


}  // namespace mfs::bridge
