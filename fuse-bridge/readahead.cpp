// readahead: writes /sys/class/bdi/MAJ:MIN/read_ahead_kb.
#include "fuse-bridge/readahead.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <syslog.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "config/mountinfo.hpp"

namespace mfs::bridge {
namespace {

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

void apply_readahead_after_init(const std::string& mountpoint,
                                const std::vector<std::string>& branches, uint64_t kib) {
  std::thread([mountpoint, branches, kib] {
    // statfs is answered once INIT is: up to 10 s, then give up quietly.
    struct statfs sfs {};
    for (int i = 0; i < 200 && ::statfs(mountpoint.c_str(), &sfs) < 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // The device of the newest mount on the mountpoint, from mountinfo: a stat of the pool
    // would be a FUSE request.
    set_bdi(config::top_mount_device(config::read_mountinfo(), mountpoint), kib, mountpoint);
    for (const auto& b : branches) {
      struct stat st {};
      if (::stat(b.c_str(), &st) < 0) continue;
      set_bdi(std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)), kib, b);
    }
  }).detach();
}

}  // namespace mfs::bridge
