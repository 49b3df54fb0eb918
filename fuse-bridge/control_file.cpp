// The control file's xattrs: reads answered from the snapshot's config and the published stats
// dump, writes sent to the coordinator (the config's owner) with the request's reply guard.
// Every user may read; only root may change anything.
#include "fuse-bridge/control_file.hpp"

#include <sys/xattr.h>

#include <cstring>

#include "config/config.hpp"
#include "fuse-bridge/bridge.hpp"

namespace mfs::bridge {

void reply_value(Reply& reply, const std::string& value, size_t size) {
  if (size == 0) return reply.xattr(value.size());
  if (value.size() > size) return reply.result(-ERANGE);
  reply.buf(value.data(), value.size());
}

namespace {

// user.mergerfs.stats and user.mergerfs.stats.<actor-id>: served from the coordinator's last
// render (at most once a second), never by asking an actor, so a FUSE thread does not wait.
bool is_stats_key(const std::string& key) { return key == "stats" || key.rfind("stats.", 0) == 0; }

void reply_stats(Reply& reply, const SnapshotStore& store, const std::string& key, size_t size) {
  auto dump = store.stats_dump();  // keeps this render alive while it is copied out
  if (key == "stats") return reply_value(reply, dump ? dump->summary : std::string("{}"), size);
  if (!dump) return reply.result(-ENODATA);
  auto it = dump->detail.find(key.substr(6));
  if (it == dump->detail.end()) return reply.result(-ENODATA);
  reply_value(reply, it->second, size);
}

}  // namespace

void ControlFile::getxattr(Reply& reply, const char* name, size_t size) {
  size_t plen = std::strlen(kPrefix);
  if (std::strncmp(name, kPrefix, plen) != 0) return reply.result(-ENODATA);
  std::string key(name + plen);
  if (is_stats_key(key)) return reply_stats(reply, bridge_.store(), key, size);
  if (sink_) {
    if (auto v = sink_->get_extra(key)) return reply_value(reply, *v, size);
  }
  auto snap = bridge_.snapshot();
  auto v = config::get_value(*snap->config, key);
  if (!v) return reply.result(-ENODATA);
  reply_value(reply, *v, size);
}

void ControlFile::listxattr(Reply& reply, size_t size) {
  auto snap = bridge_.snapshot();
  std::string out;
  for (const auto& k : config::displayed_keys(*snap->config)) {
    out += kPrefix;
    out += k;
    out.push_back('\0');
  }
  reply_value(reply, out, size);
}

void ControlFile::setxattr(fuse_req_t req, const char* name, const char* value, size_t size,
                           int flags) {
  auto reply = std::make_shared<Reply>(req);
  size_t plen = std::strlen(kPrefix);
  if (std::strncmp(name, kPrefix, plen) != 0) return reply->result(-ENODATA);
  if (flags & XATTR_CREATE) return reply->result(-EEXIST);
  if (caller_of(req).uid != 0) return reply->result(-EPERM);
  std::string key(name + plen);
  if (is_stats_key(key)) return reply->result(-EROFS);  // rendered by the daemon, read-only
  if (!sink_) return reply->result(-ENOTSUP);
  sink_->set_option(std::move(key), std::string(value, size),
                    [reply](int e) { reply->result(e); });
}

}  // namespace mfs::bridge
