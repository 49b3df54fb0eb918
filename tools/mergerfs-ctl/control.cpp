// Control-file access through plain xattr syscalls, as any mergerfs tool does.
#include "tools/mergerfs-ctl/control.hpp"

#include <errno.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cstdlib>
#include <cstring>

namespace mfs::ctl {
namespace {

constexpr const char* kPrefix = "user.mergerfs.";
constexpr const char* kControlName = ".mergerfs";

std::string errstr(int e) { return std::strerror(e); }

}  // namespace

std::string bare_key(const std::string& key) {
  const std::string p = kPrefix;
  return key.rfind(p, 0) == 0 ? key.substr(p.size()) : key;
}

ControlFile::ControlFile(const std::string& mount) : mount_(mount) {
  std::string m = mount;
  while (m.size() > 1 && m.back() == '/') m.pop_back();
  const std::string suffix = std::string("/") + kControlName;
  bool given_file = m.size() > suffix.size() && m.compare(m.size() - suffix.size(), suffix.size(), suffix) == 0;
  path_ = given_file ? m : (m == "/" ? m : m + "/") + kControlName;
  mount_ = given_file ? m.substr(0, m.size() - suffix.size()) : m;

  struct stat st {};
  if (::stat(mount_.c_str(), &st) < 0) {
    int e = errno;
    if (e == ENOTCONN)
      throw CtlError(kNotPool, mount_ + ": " + errstr(e) + " (a dead mount? unmount it and mount again)");
    throw CtlError(kNotPool, mount_ + ": " + errstr(e));
  }
  if (!S_ISDIR(st.st_mode)) throw CtlError(kNotPool, mount_ + " is not a directory, so not a mergerfs pool");
  if (char* real = ::realpath(mount_.c_str(), nullptr)) {
    mount_ = real;
    path_ = (mount_ == "/" ? mount_ : mount_ + "/") + kControlName;
    std::free(real);
  }
  if (::lstat(path_.c_str(), &st) < 0)
    throw CtlError(kNotPool, mount_ + " is not a mergerfs pool (no control file " + path_ + ")");
  std::string version;
  int r = try_get("version", version);
  if (r < 0)
    throw CtlError(kNotPool, mount_ + " is not a mergerfs pool (" + path_ +
                                 " does not answer user.mergerfs.version: " + errstr(-r) + ")");
}

int ControlFile::try_get(const std::string& key, std::string& out) const {
  const std::string name = kPrefix + bare_key(key);
  // The value may change between the size query and the read (stats render once a second).
  for (int attempt = 0; attempt < 5; ++attempt) {
    ssize_t n = ::getxattr(path_.c_str(), name.c_str(), nullptr, 0);
    if (n < 0) return -errno;
    std::string buf(static_cast<size_t>(n) + 1, '\0');
    n = ::getxattr(path_.c_str(), name.c_str(), buf.data(), buf.size());
    if (n < 0 && errno == ERANGE) continue;
    if (n < 0) return -errno;
    buf.resize(static_cast<size_t>(n));
    out = std::move(buf);
    return 0;
  }
  return -ERANGE;
}

std::string ControlFile::get(const std::string& key) const {
  std::string out;
  int r = try_get(key, out);
  if (r == -ENODATA) throw CtlError(kBadKey, "unknown key '" + bare_key(key) + "'");
  if (r < 0) throw CtlError(kFailed, "reading " + bare_key(key) + ": " + errstr(-r));
  return out;
}

void ControlFile::set(const std::string& key, const std::string& value) const {
  const std::string k = bare_key(key);
  const std::string name = kPrefix + k;
  if (::setxattr(path_.c_str(), name.c_str(), value.data(), value.size(), 0) == 0) return;
  int e = errno;
  switch (e) {
    case EPERM:
    case EACCES:
      throw CtlError(kDenied, "permission denied: only root may change " + k + " (" + errstr(e) + ")");
    case ENODATA:
      throw CtlError(kBadKey, k.rfind("cmd.", 0) == 0 ? "unknown command '" + k.substr(4) + "'"
                                                      : "unknown key '" + k + "'");
    case EROFS: throw CtlError(kBadKey, "key '" + k + "' is read-only (fixed once mounted)");
    case EINVAL:
    case EOVERFLOW:
    case ENOENT:
      throw CtlError(kBadValue, "invalid value '" + value + "' for " + k + " (" + errstr(e) + ")");
    default: throw CtlError(kFailed, "setting " + k + ": " + errstr(e));
  }
}

std::vector<std::string> ControlFile::keys() const {
  std::string buf;
  for (int attempt = 0; attempt < 5; ++attempt) {
    ssize_t n = ::listxattr(path_.c_str(), nullptr, 0);
    if (n < 0) throw CtlError(kFailed, "listing " + path_ + ": " + errstr(errno));
    buf.assign(static_cast<size_t>(n) + 1, '\0');
    n = ::listxattr(path_.c_str(), buf.data(), buf.size());
    if (n < 0 && errno == ERANGE) continue;
    if (n < 0) throw CtlError(kFailed, "listing " + path_ + ": " + errstr(errno));
    buf.resize(static_cast<size_t>(n));
    break;
  }
  std::vector<std::string> out;
  const std::string p = kPrefix;
  for (size_t at = 0; at < buf.size();) {
    size_t end = buf.find('\0', at);
    if (end == std::string::npos) end = buf.size();
    std::string name = buf.substr(at, end - at);
    if (name.rfind(p, 0) == 0) out.push_back(name.substr(p.size()));
    at = end + 1;
  }
  return out;
}

}  // namespace mfs::ctl
