// The control file's xattrs: reads answered from the snapshot's config, writes sent to the
// coordinator (the config's owner) with the request's reply guard.
#include "fuse-bridge/control_file.hpp"

#include <sys/xattr.h>

#include <cstring>

#include "config/config.hpp"
#include "fuse-bridge/bridge.hpp"

namespace mfs::bridge {

void reply_value(Reply& reply, const std::string& value, size_t size) {
  if (size == 0) return reply.xattr(value.size());
  if (value.size() > size) return reply.err(ERANGE);
  reply.buf(value.data(), value.size());
}

void ControlFile::getxattr(Reply& reply, const char* name, size_t size) {
  size_t plen = std::strlen(kPrefix);
  if (std::strncmp(name, kPrefix, plen) != 0) return reply.err(ENODATA);
  std::string key(name + plen);
  if (sink_) {
    if (auto v = sink_->get_extra(key)) return reply_value(reply, *v, size);
  }
  auto snap = bridge_.snapshot();
  auto v = config::get_value(*snap->config, key);
  if (!v) return reply.err(ENODATA);
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
  if (std::strncmp(name, kPrefix, plen) != 0) return reply->err(ENODATA);
  if (flags & XATTR_CREATE) return reply->err(EEXIST);
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx->uid != 0) return reply->err(EPERM);
  if (!sink_) return reply->err(ENOTSUP);
  sink_->set_option(std::string(name + plen), std::string(value, size),
                    [reply](int e) { reply->err(e); });
}

}  // namespace mfs::bridge
