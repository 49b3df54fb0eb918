// readahead: writes /sys/class/bdi/MAJ:MIN/read_ahead_kb.
#include "fuse-bridge/readahead.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <syslog.h>

#include <fstream>
#include <sstream>

namespace mfs::bridge {
namespace {

// The device ("MAJ:MIN") of the newest mount on `mountpoint`, read from mountinfo: a stat of
// the pool would be a FUSE request.
std::string mount_device(const std::string& mountpoint) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, found;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, parent, dev, root, mp;
    ls >> id >> parent >> dev >> root >> mp;
    if (mp == mountpoint) found = dev;
  }
  return found;
}

void set_bdi(const std::string& dev, uint64_t kib, const std::string& what) {
  if (dev.empty()) return;
  std::ofstream out("/sys/class/bdi/" + dev + "/read_ahead_kb");
  if (!out) return;
  out << kib << '\n';
  out.flush();
  if (out) syslog(LOG_INFO, "readahead of %s (%s) set to %llu KiB", what.c_str(), dev.c_str(),
                  static_cast<unsigned long long>(kib));
}

}  // namespace

void apply_readahead(const std::string& mountpoint, const std::vector<std::string>& branches,
                     uint64_t kib) {
  if (kib == 0) return;
  set_bdi(mount_device(mountpoint), kib, mountpoint);
  for (const auto& b : branches) {
    struct stat st {};
    if (::stat(b.c_str(), &st) < 0) continue;
    set_bdi(std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)), kib, b);
  }
}

}  // namespace mfs::bridge
