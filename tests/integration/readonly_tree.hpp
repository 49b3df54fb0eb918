// The tree the read-only tests build: every node is created on its branch, and a plain
// directory gets the node only when the pool would show it (first branch wins a name).
#pragma once
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::readonly {

// ---------------------------------------------------------------------------------------------
// The tree: every node is created on its branch; the plain directory gets the node only when
// the pool would show it (no earlier branch holds the name and the parent is a directory there).

class Tree {
 public:
  explicit Tree(Pool& pool) : pool_(pool) {}

  Tree& dir(int b, const std::string& rel, mode_t mode = 0755) {
    return add({b, Kind::Dir, rel, "", mode});
  }
  Tree& file(int b, const std::string& rel, const std::string& data, mode_t mode = 0644) {
    return add({b, Kind::File, rel, data, mode});
  }
  Tree& symlink(int b, const std::string& rel, const std::string& target) {
    return add({b, Kind::Symlink, rel, target, 0});
  }
  Tree& fifo(int b, const std::string& rel, mode_t mode = 0644) {
    return add({b, Kind::Fifo, rel, "", mode});
  }
  Tree& hardlink(int b, const std::string& rel, const std::string& existing) {
    return add({b, Kind::Hardlink, rel, existing, 0});
  }
  // Applied to the copy the pool shows and to the plain copy.
  Tree& owner(const std::string& rel, uid_t uid, gid_t gid) {
    owners_.push_back({rel, {uid, gid}});
    return *this;
  }
  Tree& xattr(const std::string& rel, const std::string& name, const std::string& value) {
    xattrs_.push_back({rel, name, value});
    return *this;
  }

  // Creates every node, then gives each visible node the same timestamps (with ns) on the
  // branch copy the pool shows and on the plain copy.
  void build() {
    for (const Op& op : ops_) {
      int r = create(pool_.on_branch(op.branch, op.rel), op, pool_.on_branch(op.branch, op.data));
      if (r < 0)
        ADD_FAILURE() << "creating " << op.rel << " on branch " << op.branch << ": "
                      << std::strerror(errno);
      if (op.kind == Kind::Dir) ++dir_holders_[op.rel];
    }
    winner_[""] = 0;
    std::vector<Op> sorted = ops_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Op& a, const Op& b) { return a.branch < b.branch; });
    for (const Op& op : sorted) {
      if (winner_.count(op.rel)) continue;
      std::string parent =
          op.rel.substr(0, op.rel.rfind('/') == std::string::npos ? 0 : op.rel.rfind('/'));
      struct stat pst {};
      if (::lstat(plain(parent).c_str(), &pst) < 0 || !S_ISDIR(pst.st_mode)) continue;
      if (create(plain(op.rel), op, plain(op.data)) < 0)
        ADD_FAILURE() << "creating plain " << op.rel << ": " << std::strerror(errno);
      winner_[op.rel] = op.branch;
    }
    for (const auto& [rel, ids] : owners_) {
      for (const std::string& p : {shown(rel), plain(rel)})
        if (::lchown(p.c_str(), ids.first, ids.second) < 0)
          ADD_FAILURE() << "chown " << p << ": " << std::strerror(errno);
    }
    for (const auto& x : xattrs_) {
      for (const std::string& p : {shown(x.rel), plain(x.rel)})
        if (::lsetxattr(p.c_str(), x.name.c_str(), x.value.data(), x.value.size(), 0) < 0)
          ADD_FAILURE() << "setxattr " << p << ": " << std::strerror(errno);
    }
    long i = 0;
    for (const auto& [rel, b] : winner_) {
      ++i;
      timespec ts[2] = {{1500000000 + i * 1000, 111111111 + i},
                        {1600000000 + i * 1000, 123456789 + i}};
      for (const std::string& p : {shown(rel), plain(rel)})
        if (::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0)
          ADD_FAILURE() << "utimensat " << p << ": " << std::strerror(errno);
    }
  }

  std::string plain(const std::string& rel) const {
    return rel.empty() ? plain_.path() : plain_.path() + "/" + rel;
  }
  std::string pool(const std::string& rel) const {
    return rel.empty() ? pool_.mnt() : pool_.path(rel);
  }
  // The branch copy the pool shows.
  std::string shown(const std::string& rel) const {
    int b = winner_.at(rel);
    return rel.empty() ? pool_.branch(b) : pool_.on_branch(b, rel);
  }
  bool merged_dir(const std::string& rel) const {
    auto it = dir_holders_.find(rel);
    return rel.empty() || (it != dir_holders_.end() && it->second > 1);
  }
  // Every name the pool shows (not the root).
  std::vector<std::string> visible() const {
    std::vector<std::string> out;
    for (const auto& [rel, b] : winner_)
      if (!rel.empty()) out.push_back(rel);
    return out;
  }

 private:
  enum class Kind { Dir, File, Symlink, Fifo, Hardlink };
  struct Op {
    int branch;
    Kind kind;
    std::string rel;
    std::string data;  // file contents, symlink target, or hardlink source (relative)
    mode_t mode;
  };
  struct Xattr {
    std::string rel, name, value;
  };

  Tree& add(Op op) {
    ops_.push_back(std::move(op));
    return *this;
  }

  static int create(const std::string& path, const Op& op, const std::string& link_source) {
    switch (op.kind) {
      case Kind::Dir:
        if (::mkdir(path.c_str(), op.mode) < 0) return -1;
        return ::chmod(path.c_str(), op.mode);
      case Kind::File: {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, op.mode);
        if (fd < 0) return -1;
        bool ok =
            ::write(fd, op.data.data(), op.data.size()) == static_cast<ssize_t>(op.data.size());
        ok = ::fchmod(fd, op.mode) == 0 && ok;
        ::close(fd);
        return ok ? 0 : -1;
      }
      case Kind::Symlink:
        return ::symlink(op.data.c_str(), path.c_str());
      case Kind::Fifo:
        if (::mkfifo(path.c_str(), op.mode) < 0) return -1;
        return ::chmod(path.c_str(), op.mode);
      case Kind::Hardlink:
        return ::link(link_source.c_str(), path.c_str());
    }
    return -1;
  }

  Pool& pool_;
  TempDir plain_;
  std::vector<Op> ops_;
  std::vector<std::pair<std::string, std::pair<uid_t, gid_t>>> owners_;
  std::vector<Xattr> xattrs_;
  std::map<std::string, int> winner_;       // visible name -> branch whose copy the pool shows
  std::map<std::string, int> dir_holders_;  // name -> how many branches hold it as a directory
};

inline std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return s;
}

}  // namespace mfs::test::readonly
