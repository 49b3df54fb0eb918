// Every read-only operation the pool implements, compared with the same syscall on a plain
// directory holding the tree the branches hold merged (first branch wins a name): return value,
// errno and effect. Fields the pool legitimately computes itself (st_ino, st_dev, st_blksize,
// and st_nlink of a directory merged from several branches) are not compared.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

void expect_same(const Outcome& pool, const Outcome& plain, const std::string& label) {
  EXPECT_TRUE(pool == plain) << label << ": pool " << describe(pool) << ", plain "
                             << describe(plain);
}

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

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return s;
}

using Names = std::vector<std::string>;

const std::string kName255(255, 'l');
const std::string kName256(256, 'n');
constexpr size_t kBigSize = 300000;

// ---------------------------------------------------------------------------------------------
// Syscall helpers: each returns the Outcome and whatever it observed.

struct StatResult {
  Outcome o;
  struct stat st {};
};
StatResult do_stat(const std::string& path, bool follow) {
  StatResult r;
  r.o = sys([&] { return follow ? ::stat(path.c_str(), &r.st) : ::lstat(path.c_str(), &r.st); });
  return r;
}

struct Listing {
  Outcome o;
  std::vector<std::pair<std::string, int>> entries;  // (name, d_type), sorted
};
Listing list_dir(const std::string& path) {
  Listing l;
  DIR* d = nullptr;
  l.o = sys([&] {
    d = ::opendir(path.c_str());
    return d ? 0L : -1L;
  });
  if (!d) return l;
  errno = 0;
  while (auto* e = ::readdir(d)) l.entries.emplace_back(e->d_name, e->d_type);
  if (errno) l.o = {-1, errno};
  ::closedir(d);
  std::sort(l.entries.begin(), l.entries.end());
  return l;
}

struct ReadResult {
  Outcome open, read;
  std::string data;
};
// open(flags) then pread(len, off).
ReadResult read_at(const std::string& path, off_t off, size_t len, int flags = O_RDONLY) {
  ReadResult r;
  int fd = -1;
  r.open = sys([&] { return fd = ::open(path.c_str(), flags); });
  if (fd < 0) return r;
  std::string buf(len, '\0');
  r.read = sys([&] { return ::pread(fd, buf.data(), len, off); });
  if (r.read.ret > 0) r.data = buf.substr(0, static_cast<size_t>(r.read.ret));
  ::close(fd);
  return r;
}
// open then read() in odd-sized chunks to EOF.
ReadResult read_all(const std::string& path) {
  ReadResult r;
  int fd = -1;
  r.open = sys([&] { return fd = ::open(path.c_str(), O_RDONLY); });
  if (fd < 0) return r;
  char buf[7001];
  for (;;) {
    r.read = sys([&] { return ::read(fd, buf, sizeof buf); });
    if (r.read.ret <= 0) break;
    r.data.append(buf, static_cast<size_t>(r.read.ret));
  }
  ::close(fd);
  return r;
}

struct ValueResult {
  Outcome o;
  std::string value;
};
ValueResult do_readlink(const std::string& path, size_t size = PATH_MAX) {
  ValueResult r;
  std::string buf(size, '\0');
  r.o = sys([&] { return ::readlink(path.c_str(), buf.data(), size); });
  if (r.o.ret > 0) r.value = buf.substr(0, static_cast<size_t>(r.o.ret));
  return r;
}
ValueResult do_getxattr(const std::string& path, const std::string& name, size_t size,
                        bool follow = true) {
  ValueResult r;
  std::string buf(size, '\0');
  r.o = sys([&] {
    void* p = size ? buf.data() : nullptr;
    return follow ? ::getxattr(path.c_str(), name.c_str(), p, size)
                  : ::lgetxattr(path.c_str(), name.c_str(), p, size);
  });
  if (size && r.o.ret > 0) r.value = buf.substr(0, static_cast<size_t>(r.o.ret));
  return r;
}
ValueResult do_listxattr(const std::string& path, size_t size, bool follow = true) {
  ValueResult r;
  std::string buf(size, '\0');
  r.o = sys([&] {
    char* p = size ? buf.data() : nullptr;
    return follow ? ::listxattr(path.c_str(), p, size) : ::llistxattr(path.c_str(), p, size);
  });
  if (size && r.o.ret > 0) r.value = buf.substr(0, static_cast<size_t>(r.o.ret));
  return r;
}

std::string type_name(int dt) {
  switch (dt) {
    case DT_DIR:
      return "dir";
    case DT_REG:
      return "reg";
    case DT_LNK:
      return "lnk";
    case DT_FIFO:
      return "fifo";
    case DT_UNKNOWN:
      return "unknown";
    default:
      return std::to_string(dt);
  }
}

std::string show(const Listing& l) {
  std::string s = describe(l.o) + " {";
  for (const auto& [n, t] : l.entries)
    s += " " + (n.size() > 20 ? n.substr(0, 8) + "..." : n) + ":" + type_name(t);
  return s + " }";
}

// "base/" + "./"... padding + rel, exactly `total` characters long.
std::string padded(const std::string& base, const std::string& rel, size_t total) {
  std::string p = base + "/";
  size_t need = total - p.size() - rel.size();
  while (need >= 2) {
    p += "./";
    need -= 2;
  }
  if (need) p += "/";
  p += rel;
  return p;
}

// ---------------------------------------------------------------------------------------------

// Parameter: extra pool options. Everything must hold with the kernel caches off and on.
class ReadOnlyOps : public ::testing::TestWithParam<std::string> {
 protected:
  Pool pool{{.branches = 3, .options = GetParam(), .start = false}};
  Tree tree{pool};
  const std::string big = pattern(kBigSize);

  void SetUp() override {
    tree.file(0, "file_a", "alpha: the first file\n")
        .file(0, "empty", "")
        .file(0, "big", big)
        .file(0, "exe", "#!/bin/sh\nexit 0\n", 0755)
        .file(0, "noperm", "nobody may read this", 0000)
        .file(0, "secret", "root only", 0600)
        .file(0, "suid", "setuid bits", 04755)
        .file(0, "owned", "belongs to nobody", 0640)
        .file(0, "hard1", "two names")
        .hardlink(0, "hard2", "hard1")
        .file(0, "xfile", "has xattrs")
        .symlink(0, "link_rel", "file_a")
        .symlink(0, "link_x", "xfile")
        .symlink(0, "link_dir", "shared")
        .symlink(0, "dangling", "no-such-target")
        .fifo(0, "fifo", 0640)
        .dir(0, "shared")
        .file(0, "shared/from0", "zero")
        .dir(0, "private", 0700)
        .file(0, "private/inner", "inner file")
        .symlink(0, "private/link", "inner")
        .dir(0, "sticky", 01777)
        .dir(0, "mixed", 0750)
        .file(0, "mixed/inside", "inside the directory")
        .file(0, "fileshadowsdir", "a file on branch 0")
        .file(0, "dup", "first-branch", 0640)
        // branch 1
        .dir(1, "shared", 0700)
        .file(1, "shared/from1", "one")
        .file(1, "shared/b1file", "only on branch one, under a merged dir", 0604)
        .dir(1, "shared/only1", 0711)
        .file(1, "shared/only1/deep", "deep on branch one")
        .fifo(1, "shared/fifo1", 0600)
        .file(1, "mixed", "a file on branch 1 named like a dir on branch 0")
        .file(1, "dup", "second-branch-longer", 0600)
        .file(1, "only1", "only on branch one")
        .dir(1, "dironly1", 0750)
        .file(1, "dironly1/f", "in a dir only on branch one")
        .file(1, kName255, "a 255-character name")
        // branch 2
        .dir(2, "shared", 0755)
        .file(2, "shared/from2", "two")
        .symlink(2, "shared/link_up", "../file_a")
        .file(2, "dup", "third")
        .dir(2, "fileshadowsdir")
        .file(2, "fileshadowsdir/x", "hidden under a file")
        .owner("owned", kNobody, kNogroup)
        .owner("shared/from1", 1234, 5678)
        .owner("sticky", kNobody, 5678)
        .owner("link_rel", 4321, 8765)
        .xattr("xfile", "user.test", "hello, xattr")
        .xattr("xfile", "user.second", "2")
        .xattr("shared", "user.dirattr", "on a directory")
        .xattr("", "user.rootattr", "on the root");
    tree.build();
    pool.start();
  }

  std::string P(const std::string& rel) const { return tree.pool(rel); }
  std::string L(const std::string& rel) const { return tree.plain(rel); }

  // The name (relative to the plain root) that rel resolves to: "shared/" and "link_dir" are
  // "shared".
  std::string resolved(const std::string& rel, bool follow) const {
    std::string p = L(rel);
    if (!follow && p.back() != '/') {  // a trailing slash follows a symlink even for lstat
      auto slash = p.rfind('/');
      char* dir = ::realpath(p.substr(0, slash).c_str(), nullptr);
      if (!dir) return rel;
      std::string out = std::string(dir) + p.substr(slash);
      std::free(dir);
      p = out;
    } else {
      char* r = ::realpath(p.c_str(), nullptr);
      if (!r) return rel;
      p = r;
      std::free(r);
    }
    const std::string& root = L("");
    if (p == root) return "";
    return p.rfind(root + "/", 0) == 0 ? p.substr(root.size() + 1) : rel;
  }

  void expect_same_stat(const std::string& rel, bool follow) {
    std::string label = std::string(follow ? "stat " : "lstat ") + (rel.empty() ? "/" : rel);
    auto a = do_stat(P(rel), follow), b = do_stat(L(rel), follow);
    expect_same(a.o, b.o, label);
    if (a.o.ret != 0 || b.o.ret != 0) return;
    EXPECT_EQ(a.st.st_mode, b.st.st_mode) << label << " mode (type and permissions), pool "
                                          << std::oct << a.st.st_mode << " plain " << b.st.st_mode;
    EXPECT_EQ(a.st.st_size, b.st.st_size) << label << " size";
    EXPECT_EQ(a.st.st_uid, b.st.st_uid) << label << " uid";
    EXPECT_EQ(a.st.st_gid, b.st.st_gid) << label << " gid";
    EXPECT_EQ(a.st.st_rdev, b.st.st_rdev) << label << " rdev";
    EXPECT_EQ(a.st.st_mtim.tv_sec, b.st.st_mtim.tv_sec) << label << " mtime s";
    EXPECT_EQ(a.st.st_mtim.tv_nsec, b.st.st_mtim.tv_nsec) << label << " mtime ns";
    // A merged directory shows its first branch's link count (mergerfs does not sum them).
    bool merged = S_ISDIR(b.st.st_mode) && tree.merged_dir(resolved(rel, follow));
    if (!merged) {
      EXPECT_EQ(a.st.st_nlink, b.st.st_nlink) << label << " nlink";
    }
  }

  void expect_same_listing(const std::string& rel) {
    auto a = list_dir(P(rel)), b = list_dir(L(rel));
    EXPECT_TRUE(a.o == b.o && a.entries == b.entries)
        << "readdir " << (rel.empty() ? "/" : rel) << "\n pool  " << show(a) << "\n plain "
        << show(b);
  }

  void expect_same_read(const std::string& rel, off_t off, size_t len) {
    std::string label =
        "pread " + rel + " off=" + std::to_string(off) + " len=" + std::to_string(len);
    auto a = read_at(P(rel), off, len), b = read_at(L(rel), off, len);
    expect_same(a.open, b.open, label + " (open)");
    expect_same(a.read, b.read, label + " (read)");
    EXPECT_TRUE(a.data == b.data) << label << ": data differs (" << a.data.size() << " vs "
                                  << b.data.size() << " bytes)";
  }

  // Runs fn(path) on the pool and on the plain dir, as root or as nobody; compares outcomes.
  void expect_same_as(bool nobody, const std::string& label,
                      const std::function<long(const std::string& base)>& fn) {
    auto on = [&](const std::string& base) {
      std::function<long()> call = [&] { return fn(base); };
      return nobody ? as_user(kNobody, kNogroup, call) : sys(call);
    };
    expect_same(on(pool.mnt()), on(L("")), (nobody ? "[nobody] " : "[root] ") + label);
  }
};

// ---------------------------------------------------------------------------------------------

TEST_P(ReadOnlyOps, StatAndLstatOfEveryNodeMatchPlainDirectory) {
  expect_same_stat("", true);
  expect_same_stat("", false);
  for (const std::string& rel : tree.visible()) {
    expect_same_stat(rel, true);
    expect_same_stat(rel, false);
  }
  // Trailing slash on a directory and a symlink to a directory.
  expect_same_stat("shared/", true);
  expect_same_stat("link_dir/", false);
  expect_same_stat("link_dir/from2", true);
}

TEST_P(ReadOnlyOps, StatShowsEachFileType) {
  struct stat st {};
  ASSERT_EQ(::lstat(P("file_a").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(::lstat(P("shared").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // branch 0's copy, not branch 1's 0700
  ASSERT_EQ(::lstat(P("link_rel").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, 6);  // strlen("file_a")
  EXPECT_EQ(st.st_uid, 4321u);
  ASSERT_EQ(::lstat(P("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::lstat(P("shared/fifo1").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_EQ(::stat(P("link_rel").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 22);
  ASSERT_EQ(::stat(P("hard1").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  ASSERT_EQ(::stat(P("suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  ASSERT_EQ(::stat(P("file_a").c_str(), &st), 0);
  struct stat branch {};
  ASSERT_EQ(::stat(pool.on_branch(0, "file_a").c_str(), &branch), 0);
  EXPECT_NE(st.st_mtim.tv_nsec, 0);  // nanoseconds survive the trip through the kernel
  EXPECT_EQ(st.st_mtim.tv_nsec, branch.st_mtim.tv_nsec);
  EXPECT_EQ(st.st_mtim.tv_sec, branch.st_mtim.tv_sec);
}

TEST_P(ReadOnlyOps, ReaddirMatchesPlainDirectory) {
  for (const std::string& rel :
       Names{std::string(""), std::string("shared"), std::string("shared/only1"),
             std::string("private"), std::string("sticky"), std::string("mixed"),
             std::string("dironly1"), std::string("link_dir"), std::string("shared/")})
    expect_same_listing(rel);
  // The merge itself, stated explicitly.
  auto root = list_dir(P(""));
  ASSERT_EQ(root.o.ret, 0);
  auto count = [&](const std::string& n) {
    return std::count_if(root.entries.begin(), root.entries.end(),
                         [&](const auto& e) { return e.first == n; });
  };
  EXPECT_EQ(count("dup"), 1);
  EXPECT_EQ(count("shared"), 1);
  EXPECT_EQ(count("mixed"), 1);
  EXPECT_EQ(count(".mergerfs"), 0);
  auto shared = list_dir(P("shared"));
  std::set<std::string> names;
  for (const auto& e : shared.entries) names.insert(e.first);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "from0", "from1", "from2", "b1file", "only1",
                                          "fifo1", "link_up"}));
}

TEST_P(ReadOnlyOps, ReaddirErrorsMatchPlainDirectory) {
  for (const std::string& rel : Names{"missing", "nodir/x", "file_a", "file_a/", "fifo", "link_rel",
                                      "dangling", "fileshadowsdir"})
    expect_same_listing(rel);
}

TEST_P(ReadOnlyOps, ReadWholeFilesMatchesPlainDirectory) {
  for (const std::string& rel : Names{"file_a",
                                      "empty",
                                      "big",
                                      "exe",
                                      "secret",
                                      "suid",
                                      "owned",
                                      "hard2",
                                      "xfile",
                                      "link_rel",
                                      "dup",
                                      "only1",
                                      "mixed/inside",
                                      "shared/from0",
                                      "shared/from1",
                                      "shared/from2",
                                      "shared/b1file",
                                      "shared/only1/deep",
                                      "shared/link_up",
                                      "private/inner",
                                      "private/link",
                                      "dironly1/f",
                                      "fileshadowsdir",
                                      kName255.c_str()}) {
    auto a = read_all(P(rel)), b = read_all(L(rel));
    expect_same(a.open, b.open, "open " + rel.substr(0, 30));
    expect_same(a.read, b.read, "last read " + rel.substr(0, 30));
    EXPECT_TRUE(a.data == b.data) << "contents of " << rel.substr(0, 30) << ": pool "
                                  << a.data.size() << " bytes, plain " << b.data.size();
  }
  EXPECT_EQ(read_file(P("big")), big);
  EXPECT_EQ(read_file(P("dup")), "first-branch");
}

TEST_P(ReadOnlyOps, PreadAtOffsetsAndPastEof) {
  const off_t n = static_cast<off_t>(kBigSize);
  for (auto [off, len] : std::vector<std::pair<off_t, size_t>>{{0, 1},
                                                               {1, 10},
                                                               {4095, 2},
                                                               {4096, 4096},
                                                               {65539, 70000},
                                                               {131072, 131072},
                                                               {n - 1, 10},
                                                               {n, 10},
                                                               {n + 100, 10},
                                                               {0, kBigSize + 1000},
                                                               {12345, 0}})
    expect_same_read("big", off, len);
  expect_same_read("file_a", 6, 100);
  expect_same_read("file_a", 22, 5);    // exactly at EOF
  expect_same_read("file_a", 1000, 5);  // past EOF
  expect_same_read("empty", 0, 10);
  expect_same_read("dup", 3, 100);
  // A negative offset is EINVAL in both.
  expect_same_read("file_a", -1, 5);
}

TEST_P(ReadOnlyOps, ReadingADirectoryIsEISDIR) {
  for (const std::string& rel : Names{"", "shared", "mixed", "link_dir", "dironly1"}) {
    expect_same_read(rel, 0, 100);
    auto a = read_at(P(rel), 0, 100);
    EXPECT_EQ(a.open.ret >= 0, true) << rel;
    EXPECT_EQ(a.read.err, EISDIR) << rel;
    auto b = read_all(P(rel));
    auto c = read_all(L(rel));
    expect_same(b.read, c.read, "read() on directory " + rel);
  }
}

TEST_P(ReadOnlyOps, OpenErrorsMatchPlainDirectory) {
  struct Case {
    std::string rel;
    int flags;
  };
  for (const Case& c : std::vector<Case>{{"missing", O_RDONLY},
                                         {"nodir/x", O_RDONLY},
                                         {"shared/missing", O_RDONLY},
                                         {"file_a/x", O_RDONLY},
                                         {"file_a/", O_RDONLY},
                                         {"file_a", O_RDONLY | O_DIRECTORY},
                                         {"link_rel", O_RDONLY | O_DIRECTORY},
                                         {"link_rel", O_RDONLY | O_NOFOLLOW},
                                         {"link_dir", O_RDONLY | O_DIRECTORY},
                                         {"dangling", O_RDONLY},
                                         {"shared", O_RDONLY | O_DIRECTORY},
                                         {"fileshadowsdir/x", O_RDONLY},
                                         {"mixed/inside/x", O_RDONLY}}) {
    Outcome a = sys([&] {
      int fd = ::open(P(c.rel).c_str(), c.flags);
      if (fd >= 0) ::close(fd);
      return fd < 0 ? -1L : 0L;
    });
    Outcome b = sys([&] {
      int fd = ::open(L(c.rel).c_str(), c.flags);
      if (fd >= 0) ::close(fd);
      return fd < 0 ? -1L : 0L;
    });
    expect_same(a, b, "open " + c.rel + " flags=0" + std::to_string(c.flags));
  }
}

TEST_P(ReadOnlyOps, ReadlinkMatchesPlainDirectory) {
  for (const std::string& rel :
       Names{"link_rel", "link_x", "link_dir", "dangling", "private/link", "shared/link_up",
             "file_a", "shared", "", "fifo", "missing", "nodir/x", "file_a/x", "link_dir/from0",
             "link_dir/link_up"}) {
    auto a = do_readlink(P(rel)), b = do_readlink(L(rel));
    expect_same(a.o, b.o, "readlink " + rel);
    EXPECT_EQ(a.value, b.value) << "readlink " << rel;
  }
  EXPECT_EQ(do_readlink(P("shared/link_up")).value, "../file_a");
  EXPECT_EQ(do_readlink(P("file_a")).o.err, EINVAL);
  // A too-small buffer truncates silently.
  auto a = do_readlink(P("shared/link_up"), 3), b = do_readlink(L("shared/link_up"), 3);
  expect_same(a.o, b.o, "readlink into 3 bytes");
  EXPECT_EQ(a.value, b.value);
}

TEST_P(ReadOnlyOps, StatvfsWorksAndMatchesTheBackingFilesystem) {
  // Branches and the plain dir all live on the same filesystem: one device, counted once.
  for (const std::string& rel : Names{"", "file_a", "shared", "shared/only1/deep", "link_rel"}) {
    struct statvfs a {
    }, b{};
    Outcome oa = sys([&] { return ::statvfs(P(rel).c_str(), &a); });
    Outcome ob = sys([&] { return ::statvfs(L(rel).c_str(), &b); });
    expect_same(oa, ob, "statvfs " + rel);
    EXPECT_EQ(a.f_frsize, b.f_frsize) << rel;
    EXPECT_EQ(a.f_bsize, b.f_bsize) << rel;
    EXPECT_EQ(a.f_blocks, b.f_blocks) << rel;
    EXPECT_EQ(a.f_files, b.f_files) << rel;
    EXPECT_EQ(a.f_namemax, b.f_namemax) << rel;
    EXPECT_GT(a.f_bfree, 0u) << rel;
  }
  for (const std::string& rel : Names{"missing", "nodir/x", "file_a/x", kName256.c_str()}) {
    struct statvfs sv {};
    expect_same(sys([&] { return ::statvfs(P(rel).c_str(), &sv); }),
                sys([&] { return ::statvfs(L(rel).c_str(), &sv); }),
                "statvfs " + rel.substr(0, 30));
  }
}

TEST_P(ReadOnlyOps, GetxattrMatchesPlainDirectory) {
  struct Case {
    std::string rel, name;
    size_t size;
    bool follow;
  };
  for (const Case& c :
       std::vector<Case>{{"xfile", "user.test", 256, true},
                         {"xfile", "user.test", 0, true},   // size query
                         {"xfile", "user.test", 12, true},  // exactly fits
                         {"xfile", "user.test", 3, true},   // ERANGE
                         {"xfile", "user.second", 256, true},
                         {"xfile", "user.missing", 256, true},  // ENODATA
                         {"xfile", "user.missing", 0, true},
                         {"file_a", "user.test", 256, true},  // ENODATA
                         {"xfile", "security.capability", 256, true},
                         {"xfile", "trusted.nothing", 256, true},
                         {"link_x", "user.test", 256, true},     // follows the symlink
                         {"link_x", "user.test", 256, false},    // the symlink itself: ENODATA
                         {"shared", "user.dirattr", 256, true},  // a directory
                         {"", "user.rootattr", 256, true},       // the pool root
                         {"", "user.rootattr", 2, true},
                         {"missing", "user.test", 256, true},  // ENOENT
                         {"nodir/x", "user.test", 256, true},
                         {"file_a/x", "user.test", 256, true},  // ENOTDIR
                         {"fifo", "user.test", 256, false}}) {
    auto a = do_getxattr(P(c.rel), c.name, c.size, c.follow);
    auto b = do_getxattr(L(c.rel), c.name, c.size, c.follow);
    std::string label = (c.follow ? "getxattr " : "lgetxattr ") + c.rel + " " + c.name +
                        " size=" + std::to_string(c.size);
    expect_same(a.o, b.o, label);
    EXPECT_EQ(a.value, b.value) << label;
  }
  EXPECT_EQ(do_getxattr(P("xfile"), "user.test", 256).value, "hello, xattr");
  EXPECT_EQ(do_getxattr(P("xfile"), "user.test", 3).o.err, ERANGE);
  EXPECT_EQ(do_getxattr(P("xfile"), "user.missing", 256).o.err, ENODATA);
}

TEST_P(ReadOnlyOps, ListxattrMatchesPlainDirectory) {
  struct Case {
    std::string rel;
    size_t size;
    bool follow;
  };
  for (const Case& c : std::vector<Case>{{"xfile", 1024, true},
                                         {"xfile", 0, true},
                                         {"xfile", 3, true},  // ERANGE
                                         {"file_a", 1024, true},
                                         {"file_a", 0, true},
                                         {"link_x", 1024, true},
                                         {"link_x", 1024, false},
                                         {"shared", 1024, true},
                                         {"", 1024, true},
                                         {"missing", 1024, true},
                                         {"file_a/x", 1024, true}}) {
    auto a = do_listxattr(P(c.rel), c.size, c.follow);
    auto b = do_listxattr(L(c.rel), c.size, c.follow);
    std::string label =
        (c.follow ? "listxattr " : "llistxattr ") + c.rel + " size=" + std::to_string(c.size);
    expect_same(a.o, b.o, label);
    EXPECT_EQ(a.value, b.value) << label;
  }
  auto l = do_listxattr(P("xfile"), 1024);
  EXPECT_NE(l.value.find(std::string("user.test\0", 10)), std::string::npos);
  EXPECT_NE(l.value.find(std::string("user.second\0", 12)), std::string::npos);
}

TEST_P(ReadOnlyOps, AccessMatchesPlainDirectoryAsRootAndAsNobody) {
  const std::vector<std::pair<int, std::string>> masks = {{F_OK, "F_OK"},
                                                          {R_OK, "R_OK"},
                                                          {W_OK, "W_OK"},
                                                          {X_OK, "X_OK"},
                                                          {R_OK | W_OK, "R_OK|W_OK"},
                                                          {R_OK | X_OK, "R_OK|X_OK"}};
  for (bool nobody : {false, true}) {
    for (const std::string& rel :
         Names{"file_a",        "exe",      "noperm",   "secret",     "owned",  "suid",
               "fifo",          "link_rel", "dangling", "link_dir",   "shared", "private",
               "private/inner", "sticky",   "dironly1", "dironly1/f", "mixed",  "",
               "missing",       "nodir/x",  "file_a/x"}) {
      for (const auto& [mask, mname] : masks) {
        expect_same_as(nobody, "access " + rel + " " + mname,
                       [rel = rel, mask = mask](const std::string& base) {
                         return static_cast<long>(
                             ::access((rel.empty() ? base : base + "/" + rel).c_str(), mask));
                       });
      }
    }
  }
}

TEST_P(ReadOnlyOps, EnoentAndEnotdirMatchPlainDirectory) {
  for (const std::string& rel :
       Names{"missing", "nodir/x", "shared/missing", "shared/only1/missing", "dangling", "file_a/x",
             "file_a/", "link_rel/x", "fifo/x", "fileshadowsdir/x", "mixed/inside/x",
             "shared/from0/x/y"}) {
    expect_same_stat(rel, true);
    expect_same_stat(rel, false);
    expect_same_as(false, "access " + rel, [rel = rel](const std::string& base) {
      return static_cast<long>(::access((base + "/" + rel).c_str(), F_OK));
    });
  }
}

TEST_P(ReadOnlyOps, NameLongerThan255IsENAMETOOLONG) {
  // The 255-character name exists (on branch 1) and is reachable.
  expect_same_stat(kName255, true);
  ASSERT_EQ(read_file(P(kName255)), "a 255-character name");
  const std::string m255(255, 'm');
  expect_same_stat(m255, true);  // a missing 255-character name: ENOENT
  // "nodir/<256>" is ENOENT: the missing first component stops the walk before the long name.
  for (const std::string& rel :
       Names{kName256, "shared/" + kName256, kName256 + "/x", "nodir/" + kName256,
             std::string(300, 'p'), std::string(1100, 'q')}) {
    std::string label =
        rel.size() > 40 ? rel.substr(0, 12) + "...(" + std::to_string(rel.size()) + ")" : rel;
    expect_same_stat(rel, true);
    expect_same_stat(rel, false);
    expect_same_as(false, "access " + label, [rel = rel](const std::string& base) {
      return static_cast<long>(::access((base + "/" + rel).c_str(), F_OK));
    });
    expect_same_as(false, "open " + label, [rel = rel](const std::string& base) {
      int fd = ::open((base + "/" + rel).c_str(), O_RDONLY);
      if (fd >= 0) ::close(fd);
      return fd < 0 ? -1L : 0L;
    });
    expect_same_as(false, "readlink " + label, [rel = rel](const std::string& base) {
      char buf[64];
      return static_cast<long>(::readlink((base + "/" + rel).c_str(), buf, sizeof buf));
    });
    expect_same_as(false, "getxattr " + label, [rel = rel](const std::string& base) {
      char buf[64];
      return static_cast<long>(
          ::getxattr((base + "/" + rel).c_str(), "user.test", buf, sizeof buf));
    });
    expect_same_as(false, "opendir " + label, [rel = rel](const std::string& base) {
      DIR* d = ::opendir((base + "/" + rel).c_str());
      if (d) ::closedir(d);
      return d ? 0L : -1L;
    });
    // The raw result, stated: ENAMETOOLONG, twice (the second may be answered from a cache).
    if (rel.rfind("nodir/", 0) == 0) continue;
    for (int i = 0; i < 2; ++i) {
      struct stat st {};
      Outcome o = sys([&] { return ::stat(P(rel).c_str(), &st); });
      EXPECT_EQ(o.err, ENAMETOOLONG) << "stat " << label << " on the pool: " << describe(o);
    }
  }
}

TEST_P(ReadOnlyOps, PathLongerThanPathMaxIsENAMETOOLONG) {
  // PATH_MAX counts the terminating NUL: 4095 characters resolve, 4096 do not.
  for (const std::string& rel : Names{"file_a", "shared/only1/deep", "missing"}) {
    for (size_t total : {size_t{PATH_MAX - 1}, size_t{PATH_MAX}, size_t{PATH_MAX + 100}}) {
      std::string label = "stat " + rel + " via a " + std::to_string(total) + "-char path";
      std::string a = padded(pool.mnt(), rel, total), b = padded(L(""), rel, total);
      ASSERT_EQ(a.size(), total);
      ASSERT_EQ(b.size(), total);
      struct stat sa {
      }, sb{};
      Outcome oa = sys([&] { return ::stat(a.c_str(), &sa); });
      Outcome ob = sys([&] { return ::stat(b.c_str(), &sb); });
      expect_same(oa, ob, label);
      if (total >= PATH_MAX) {
        EXPECT_EQ(oa.err, ENAMETOOLONG) << label;
      }
      if (oa.ret == 0 && ob.ret == 0) {
        EXPECT_EQ(sa.st_size, sb.st_size) << label;
      }
    }
  }
}

TEST_P(ReadOnlyOps, PermissionDeniedAsNobodyMatchesPlainDirectory) {
  auto path = [](const std::string& base, const std::string& rel) {
    return rel.empty() ? base : base + "/" + rel;
  };
  auto open_read = [&](const std::string& rel) {
    return [rel, path](const std::string& base) -> long {
      int fd = ::open(path(base, rel).c_str(), O_RDONLY);
      if (fd < 0) return -1;
      char buf[4096];
      unsigned long sum = 0;  // wraps: signed overflow is undefined (UBSan aborted the child)
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; ++i) sum = sum * 31 + static_cast<unsigned char>(buf[i]);
      int e = errno;
      ::close(fd);
      errno = e;
      return n < 0 ? -1 : static_cast<long>(sum & 0x7fffffff);  // a checksum of what was read
    };
  };
  auto list = [&](const std::string& rel) {
    return [rel, path](const std::string& base) -> long {
      DIR* d = ::opendir(path(base, rel).c_str());
      if (!d) return -1;
      long n = 0;
      while (::readdir(d)) ++n;
      ::closedir(d);
      return n;
    };
  };
  auto do_stat_fn = [&](const std::string& rel, bool follow) {
    return [rel, path, follow](const std::string& base) -> long {
      struct stat st {};
      std::string p = path(base, rel);
      return follow ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st);
    };
  };
  // Reads: a 0600 root file, a 0000 file, a file below a 0700 dir; allowed reads for contrast.
  for (const std::string& rel :
       Names{"secret", "noperm", "private/inner", "private/link", "file_a", "owned", "shared/from1",
             "shared/b1file", "shared/only1/deep", "dironly1/f", "link_rel"})
    expect_same_as(true, "open+read " + rel, open_read(rel));
  // Listings: 0700 and 0750 root dirs; allowed listings for contrast (shared is 0700 on
  // branch 1, but the pool shows branch 0's 0755 copy, as the plain dir does).
  for (const std::string& rel :
       Names{"private", "dironly1", "mixed", "shared", "", "sticky", "shared/only1", "link_dir"})
    expect_same_as(true, "readdir " + rel, list(rel));
  // Traversal: stat of names below a 0700 directory.
  for (const std::string& rel :
       Names{"private/inner", "private/link", "private/missing", "private", "dironly1/f",
             "shared/only1/deep", "shared/only1", "mixed/inside"}) {
    expect_same_as(true, "stat " + rel, do_stat_fn(rel, true));
    expect_same_as(true, "lstat " + rel, do_stat_fn(rel, false));
  }
  expect_same_as(true, "readlink private/link", [path](const std::string& base) -> long {
    char buf[64];
    return ::readlink(path(base, "private/link").c_str(), buf, sizeof buf);
  });
  for (const std::string& rel : Names{"private/inner", "secret", "xfile"}) {
    expect_same_as(true, "getxattr " + rel, [rel, path](const std::string& base) -> long {
      char buf[64];
      return ::getxattr(path(base, rel).c_str(), "user.test", buf, sizeof buf);
    });
    expect_same_as(true, "listxattr " + rel, [rel, path](const std::string& base) -> long {
      char buf[256];
      return ::listxattr(path(base, rel).c_str(), buf, sizeof buf);
    });
    expect_same_as(true, "statvfs " + rel, [rel, path](const std::string& base) -> long {
      struct statvfs sv {};
      return ::statvfs(path(base, rel).c_str(), &sv);
    });
  }
  // The denial itself, stated.
  EXPECT_EQ(as_user(kNobody, kNogroup,
                    [&] { return static_cast<long>(::open(P("secret").c_str(), O_RDONLY)); })
                .err,
            EACCES);
  EXPECT_EQ(as_user(kNobody, kNogroup,
                    [&] { return static_cast<long>(::opendir(P("private").c_str()) ? 0 : -1); })
                .err,
            EACCES);
  struct stat st {};
  EXPECT_EQ(as_user(kNobody, kNogroup,
                    [&] { return static_cast<long>(::stat(P("private/inner").c_str(), &st)); })
                .err,
            EACCES);
}

TEST_P(ReadOnlyOps, FileOnLaterBranchInsideMergedDirectoryIsFound) {
  // shared/ is on branches 0, 1 and 2; shared/b1file only on branch 1; shared/only1/ only on 1.
  for (const std::string& rel :
       Names{"shared/b1file", "shared/from1", "shared/from2", "shared/only1", "shared/only1/deep",
             "shared/fifo1", "shared/link_up"}) {
    expect_same_stat(rel, false);
    expect_same_stat(rel, true);
  }
  EXPECT_EQ(read_file(P("shared/b1file")), "only on branch one, under a merged dir");
  EXPECT_EQ(read_file(P("shared/only1/deep")), "deep on branch one");
  EXPECT_EQ(read_file(P("shared/link_up")), "alpha: the first file\n");  // b2 link -> b0 file
  struct stat st {};
  ASSERT_EQ(::stat(P("shared/b1file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  ASSERT_EQ(::stat(P("shared/from1").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  expect_same_listing("shared/only1");
}

TEST_P(ReadOnlyOps, DirectoryOnFirstBranchWinsOverFileOnLaterBranch) {
  // mixed: a directory on branch 0, a file on branch 1.
  expect_same_stat("mixed", false);
  struct stat st {};
  ASSERT_EQ(::stat(P("mixed").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  expect_same_listing("mixed");
  expect_same_read("mixed", 0, 100);  // EISDIR, not branch 1's file contents
  EXPECT_EQ(read_file(P("mixed/inside")), "inside the directory");
  auto root = list_dir(P(""));
  int seen = 0;
  for (const auto& [name, type] : root.entries)
    if (name == "mixed") {
      ++seen;
      EXPECT_EQ(type, DT_DIR);
    }
  EXPECT_EQ(seen, 1);
  // And the other way round: fileshadowsdir is a file on branch 0, a directory on branch 2.
  expect_same_stat("fileshadowsdir", false);
  ASSERT_EQ(::stat(P("fileshadowsdir").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  expect_same_stat("fileshadowsdir/x", true);  // ENOTDIR
  expect_same_listing("fileshadowsdir");       // ENOTDIR
}

TEST_P(ReadOnlyOps, ShadowedFileComesFromFirstBranch) {
  expect_same_stat("dup", true);
  EXPECT_EQ(read_file(P("dup")), "first-branch");
  struct stat st {};
  ASSERT_EQ(::stat(P("dup").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 12);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

INSTANTIATE_TEST_SUITE_P(
    ReadOnly, ReadOnlyOps,
    ::testing::Values(std::string(),  // the fixture defaults (cache.files=off)
                      std::string("cache.files=full,cache.attr=10,cache.entry=10,"
                                  "cache.negative-entry=10,cache.readdir=true")),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param.empty() ? std::string("Defaults") : std::string("KernelCaches");
    });

}  // namespace
}  // namespace mfs::test
