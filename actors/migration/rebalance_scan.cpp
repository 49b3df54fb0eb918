// The rebalance scan: a depth-first walk over directory fds with the one directory walker
// (fs::for_each_entry), entries read with fstatat, never following a link.
#include "actors/migration/rebalance_scan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "messages/staging.hpp"

namespace mfs {
namespace {

struct Walk {
  dev_t dev;  // the branch's filesystem: entries on another one (mount points) are left out
  std::vector<policy::RebalanceFile>& out;
};

// Lists `dir_fd` (the directory at pool path `dir`, "" for the root) into walk.out; subfolders
// are entered as they are met, as nftw does.
void walk_dir(Walk& walk, int dir_fd, const std::string& dir) {
  fs::for_each_entry(dir_fd, [&](const char* name, ino_t, unsigned char type) {
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) return true;
    if (type != DT_UNKNOWN && type != DT_REG && type != DT_DIR) return true;  // links, devices
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != walk.dev)
      return true;
    if (S_ISREG(st.st_mode)) {
      walk.out.push_back({path, static_cast<uint64_t>(st.st_size),
                          static_cast<uint64_t>(st.st_blocks) * 512,
                          static_cast<uint64_t>(st.st_nlink)});
    } else if (S_ISDIR(st.st_mode) && path != kStagingPath) {
      int sub = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) return true;
      walk_dir(walk, sub, path);
      ::close(sub);
    }
    return true;
  });
}

}  // namespace

std::vector<policy::RebalanceFile> scan_branch(const std::string& root) {
  std::vector<policy::RebalanceFile> out;
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    Walk walk{st.st_dev, out};
    walk_dir(walk, fd, "");
  }
  ::close(fd);
  return out;
}

}  // namespace mfs
