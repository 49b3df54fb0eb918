// A tree described as sorted lines (type, mode, owner, size, content digest, xattrs) and the
// line diff of two descriptions: how tests compare a pool with a plain directory.
#include "tests/integration/pool_fixture.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

namespace mfs::test {

namespace {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string content_digest(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::string("unreadable:") + std::strerror(errno);
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
  int e = errno;
  ::close(fd);
  if (n < 0) return std::string("readerr:") + std::strerror(e);
  return hex64(h);
}

std::string user_xattrs(const std::string& path) {
  std::vector<char> names(65536);
  ssize_t n = ::llistxattr(path.c_str(), names.data(), names.size());
  if (n <= 0) return "";
  std::vector<std::string> out;
  for (ssize_t off = 0; off < n;) {
    std::string name(names.data() + off);
    off += static_cast<ssize_t>(name.size()) + 1;
    if (name.rfind("user.", 0) != 0) continue;
    std::vector<char> v(65536);
    ssize_t vn = ::lgetxattr(path.c_str(), name.c_str(), v.data(), v.size());
    out.push_back(name + "=" + (vn < 0 ? std::string("?") : std::string(v.data(), static_cast<size_t>(vn))));
  }
  std::sort(out.begin(), out.end());
  std::string s;
  for (const auto& x : out) s += " " + x;
  return s;
}

void walk_tree(const std::string& root, const std::string& rel, const TreeOptions& opt,
               std::map<std::pair<dev_t, ino_t>, std::string>& seen, std::string& out) {
  std::string path = rel.empty() ? root : root + "/" + rel;
  std::string name = rel.empty() ? "." : rel;
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    out += name + " lstat:" + std::strerror(errno) + "\n";
    return;
  }
  char head[160];
  std::snprintf(head, sizeof head, " mode=%04o uid=%u gid=%u",
                static_cast<unsigned>(st.st_mode & 07777), static_cast<unsigned>(st.st_uid),
                static_cast<unsigned>(st.st_gid));
  std::string line = name;
  const bool dir = S_ISDIR(st.st_mode);
  if (dir) line += " dir";
  else if (S_ISREG(st.st_mode)) line += " file";
  else if (S_ISLNK(st.st_mode)) line += " symlink";
  else if (S_ISFIFO(st.st_mode)) line += " fifo";
  else if (S_ISSOCK(st.st_mode)) line += " socket";
  else if (S_ISCHR(st.st_mode)) line += " chr";
  else if (S_ISBLK(st.st_mode)) line += " blk";
  else line += " type?";
  line += head;
  if (!dir) {
    if (opt.nlink) line += " nlink=" + std::to_string(st.st_nlink);
    if (opt.nlink && st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = seen.find(key);
      if (it != seen.end()) line += " =" + it->second;
      else seen.emplace(key, name);
    }
  }
  if (S_ISREG(st.st_mode))
    line += " size=" + std::to_string(st.st_size) + " data=" + content_digest(path);
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> t(PATH_MAX + 1);
    ssize_t n = ::readlink(path.c_str(), t.data(), t.size());
    line += " -> " + (n < 0 ? std::string("?") : std::string(t.data(), static_cast<size_t>(n)));
  }
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    line += " rdev=" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  line += user_xattrs(path);
  if (dir ? opt.dir_mtimes : opt.mtimes)
    line += " mtime=" + std::to_string(st.st_mtim.tv_sec) + "." +
            std::to_string(st.st_mtim.tv_nsec);
  out += line + "\n";
  if (!dir) return;
  DIR* d = ::opendir(path.c_str());
  if (!d) {
    out += name + "/ opendir:" + std::strerror(errno) + "\n";
    return;
  }
  std::vector<std::string> names;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) walk_tree(root, rel.empty() ? n : rel + "/" + n, opt, seen, out);
}

}  // namespace

std::string describe_tree(const std::string& root, const TreeOptions& opt) {
  std::map<std::pair<dev_t, ino_t>, std::string> seen;
  std::string out;
  walk_tree(root, "", opt, seen, out);
  return out;
}

std::string line_diff(const std::string& got, const std::string& want) {
  auto lines = [](const std::string& s) {
    std::multiset<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.insert(l);
    return out;
  };
  auto g = lines(got), w = lines(want);
  std::string out;
  for (const auto& l : g)
    if (!w.count(l)) out += "+ " + l + "\n";
  for (const auto& l : w)
    if (!g.count(l)) out += "- " + l + "\n";
  return out;
}

}  // namespace mfs::test
