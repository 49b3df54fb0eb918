// The fixture of every read-only test (readonly_*_test.cpp): a pool of three branches holding
// the tree, the plain directory holding it merged, and the comparisons between them. Fields the
// pool legitimately computes itself (st_ino, st_dev, st_blksize, and st_nlink of a directory
// merged from several branches) are not compared. The configurations it runs under are in
// readonly_ops_configs.cpp.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "tests/integration/pool_fixture.hpp"
#include "tests/integration/readonly_probes.hpp"
#include "tests/integration/readonly_tree.hpp"

namespace mfs::test::readonly {

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

}  // namespace mfs::test::readonly
