// inodecalc, all seven modes (FEATURES.md §4.11): where st_ino comes from (the branch inode, the
// fusepath, or the branch + branch inode), what keeps it stable (remounts, moving a copy to
// another branch) and what changes it, the 32-bit folds, and readdir's d_ino agreeing with
// stat's st_ino in every mode.
//
// One pool is remounted with a different inodecalc each time: the pool reads its options from a
// config file (config=PATH) rewritten before each start, so the branch paths (the devino seed)
// stay the same from mode to mode.
#include <dirent.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Inodes = std::map<std::string, uint64_t>;  // name -> st_ino through the pool

// d is a directory holding the file d/inner; f and f_hl are hard links of one file; g a file.
const std::vector<std::string> kNames = {"d", "d/inner", "f", "f_hl", "g"};

uint64_t fold32(uint64_t h) {  // §4.11
  h ^= h >> 32;
  h *= 0x9E3779B9ULL;
  return h & 0xffffffffULL;
}

ino_t branch_ino(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st.st_ino;
}

class InodeBench {
 public:
  InodeBench() {
    // Everything starts on branch 0.
    make_dirs(pool_.on_branch(0, "d"));
    write_file(pool_.on_branch(0, "d/inner"), "inner");
    write_file(pool_.on_branch(0, "f"), "f");
    EXPECT_EQ(::link(pool_.on_branch(0, "f").c_str(), pool_.on_branch(0, "f_hl").c_str()), 0);
    write_file(pool_.on_branch(0, "g"), "g");
  }

  // Moves everything to branch 1 while unmounted. d, f and f_hl are renamed (same filesystem:
  // the branch inodes stay, only the branch changes); g is copied, so its branch inode changes.
  void move_to_branch1() {
    for (const char* n : {"d", "f", "f_hl"})
      ASSERT_EQ(::rename(pool_.on_branch(0, n).c_str(), pool_.on_branch(1, n).c_str()), 0)
          << n << ": " << std::strerror(errno);
    write_file(pool_.on_branch(1, "g"), read_file(pool_.on_branch(0, "g")));
    ASSERT_EQ(::unlink(pool_.on_branch(0, "g").c_str()), 0);
    holder_ = 1;
  }

  int holder() const { return holder_; }
  const Pool& pool() const { return pool_; }

  // Mounts with inodecalc=mode, reads st_ino of every name, checks that readdir's d_ino agrees,
  // and unmounts.
  Inodes observe(const std::string& mode) {
    SCOPED_TRACE("inodecalc=" + mode);
    std::ofstream(conf_) << "# rewritten before each mount\ninodecalc=" << mode << "\n";
    pool_.start();
    Inodes out;
    char buf[64];
    ssize_t n = ::getxattr(pool_.path(".mergerfs").c_str(), "user.mergerfs.inodecalc", buf,
                           sizeof buf);
    EXPECT_EQ(n < 0 ? std::string(std::strerror(errno)) : std::string(buf, static_cast<size_t>(n)),
              mode);
    for (const std::string& name : kNames) {
      struct stat st {};
      EXPECT_EQ(::lstat(pool_.path(name).c_str(), &st), 0) << name << ": " << std::strerror(errno);
      out[name] = st.st_ino;
    }
    // d_ino from readdir (getdents64) for the root's entries and d's.
    std::map<std::string, uint64_t> dino;
    for (const std::string dir : {"", "d"}) {
      DIR* d = ::opendir(pool_.path(dir).c_str());
      EXPECT_NE(d, nullptr) << dir << ": " << std::strerror(errno);
      if (!d) continue;
      while (auto* e = ::readdir(d))
        dino[dir.empty() ? e->d_name : dir + "/" + e->d_name] = e->d_ino;
      ::closedir(d);
    }
    for (const std::string& name : kNames) {
      EXPECT_EQ(dino.count(name), 1u) << name << " missing from readdir";
      EXPECT_EQ(dino[name], out[name]) << name << ": readdir d_ino != stat st_ino";
    }
    pool_.stop();
    return out;
  }

 private:
  TempDir conf_dir_;
  std::string conf_ = conf_dir_.path() + "/pool.conf";
  Pool pool_{PoolSpec{.branches = 2, .options = "config=" + conf_, .start = false}};
  int holder_ = 0;
};

// passthrough: st_ino (and d_ino) is the inode of the copy on its branch, before and after the
// copy moves (and for g, whose branch inode changes with the move).
TEST(OptionInodeCalc, PassthroughIsTheBranchInode) {
  InodeBench bench;
  for (int phase = 0; phase < 2; ++phase) {
    if (phase == 1) bench.move_to_branch1();
    Inodes ino = bench.observe("passthrough");
    for (const std::string& name : kNames)
      EXPECT_EQ(ino[name], branch_ino(bench.pool().on_branch(bench.holder(), name)))
          << name << " on branch " << bench.holder();
    EXPECT_EQ(ino["f"], ino["f_hl"]) << "hard links share the branch inode";
  }
}

// path-hash(32): a hash of the fusepath only. The same on every mount, and after every name has
// moved to another branch (g even has a new branch inode); hard links (two paths) differ.
TEST(OptionInodeCalc, PathHashDependsOnlyOnThePath) {
  InodeBench bench;
  std::map<std::string, Inodes> before;
  for (const std::string mode : {"path-hash", "path-hash32"}) {
    before[mode] = bench.observe(mode);
    EXPECT_EQ(bench.observe(mode), before[mode]) << mode << ": same on a remount";
    EXPECT_NE(before[mode]["f"], before[mode]["f_hl"]) << mode;
  }
  bench.move_to_branch1();
  for (const std::string mode : {"path-hash", "path-hash32"})
    EXPECT_EQ(bench.observe(mode), before[mode]) << mode << ": same on another branch";
}

// devino-hash(32): a hash of the branch inode seeded by the branch path. Stable across
// remounts; hard links on one branch share it; the same branch inode on another branch (the
// renames) gives another value, and so does a new branch inode (g).
TEST(OptionInodeCalc, DevinoHashDependsOnTheBranchAndItsInode) {
  InodeBench bench;
  std::map<std::string, Inodes> before;
  for (const std::string mode : {"devino-hash", "devino-hash32"}) {
    before[mode] = bench.observe(mode);
    EXPECT_EQ(bench.observe(mode), before[mode]) << mode << ": same on a remount";
    EXPECT_EQ(before[mode]["f"], before[mode]["f_hl"]) << mode << ": hard links share it";
  }
  const ino_t f_ino = branch_ino(bench.pool().on_branch(0, "f"));
  bench.move_to_branch1();
  ASSERT_EQ(branch_ino(bench.pool().on_branch(1, "f")), f_ino) << "the rename kept the inode";
  for (const std::string mode : {"devino-hash", "devino-hash32"}) {
    Inodes after = bench.observe(mode);
    for (const std::string& name : kNames)
      EXPECT_NE(after[name], before[mode][name]) << mode << ": " << name << " on another branch";
    EXPECT_EQ(after["f"], after["f_hl"]) << mode;
  }
}

// hybrid-hash(32), the default family: directories take the path hash (stable when a
// directory moves branch), everything else the devino hash (hard links share it). Checked
// value for value against path-hash(32) and devino-hash(32) on the same branches, before and
// after the move. The 32-bit variants are the 64-bit values folded as §4.11 says, so they fit
// in 32 bits, while the 64-bit ones use the high half.
TEST(OptionInodeCalc, HybridHashesDirectoriesByPathAndFilesByInode) {
  InodeBench bench;
  const char* const kFiles[] = {"d/inner", "f", "f_hl", "g"};
  for (int phase = 0; phase < 2; ++phase) {
    SCOPED_TRACE(phase == 0 ? "everything on branch 0" : "everything moved to branch 1");
    if (phase == 1) bench.move_to_branch1();
    std::map<std::string, Inodes> ino;
    for (const std::string mode : {"path-hash", "devino-hash", "hybrid-hash", "path-hash32",
                                   "devino-hash32", "hybrid-hash32"})
      ino[mode] = bench.observe(mode);
    for (const std::string bits : {"", "32"}) {
      const Inodes& hybrid = ino["hybrid-hash" + bits];
      EXPECT_EQ(hybrid.at("d"), ino["path-hash" + bits]["d"]) << bits;
      for (const char* f : kFiles) EXPECT_EQ(hybrid.at(f), ino["devino-hash" + bits][f]) << f << bits;
    }
    bool high_half_used = false;
    for (const std::string family : {"path-hash", "devino-hash", "hybrid-hash"})
      for (const std::string& name : kNames) {
        const uint64_t wide = ino[family][name], narrow = ino[family + "32"][name];
        EXPECT_LE(narrow, 0xffffffffULL) << family << "32 " << name;
        EXPECT_EQ(narrow, fold32(wide)) << family << "32 " << name;
        high_half_used = high_half_used || wide > 0xffffffffULL;
      }
    EXPECT_TRUE(high_half_used) << "no 64-bit hash above 32 bits";
  }
}

}  // namespace
}  // namespace mfs::test
