// Policy options category.action/create/search: each sets every function of its category,
// reading it back lists the policies in use, and a later option wins (FEATURES.md §1.1, §1.2).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/integration/options_policy_cases.hpp"
#include "tests/integration/options_policy_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::policyopts {
namespace {

// ---------------------------------------------------------------------------------------------
// Categories (§1.2: category.X sets every function of X; reading it back lists the distinct
// policies in use; options apply in order, §1.1).

const char* const kActionFuncs[] = {"chmod",  "chown",  "link",     "removexattr", "rename",
                                    "rmdir",  "setxattr", "truncate", "unlink",    "utimens"};

// category.action=ff: every action function acts on branch 0's copy only, where the default
// epall acts on both; switching the category back to epall at runtime acts on both again.
TEST(OptionCategory, ActionSetsEveryActionFunction) {
  Pool p({.branches = 2, .options = "category.action=ff", .start = false});
  for (int i = 0; i < 2; ++i) {
    write_file(p.on_branch(i, "f"), "0123456789", 0644);
    set_xattr(p.on_branch(i, "f"), "user.gone", "v");
    for (const char* n : {"u", "r", "l"}) write_file(p.on_branch(i, n), "x");
    make_dirs(p.on_branch(i, "d"));
  }
  p.start();
  EXPECT_EQ(ctl(p, "category.action"), "ff");
  for (const char* fn : kActionFuncs) EXPECT_EQ(ctl(p, std::string("func.") + fn), "ff") << fn;

  const std::string f = p.path("f");
  struct timespec ts[2] = {{1234567890, 0}, {1234567890, 0}};
  EXPECT_EQ(sys([&] { return long{::chmod(f.c_str(), 0600)}; }), ok());
  EXPECT_EQ(sys([&] { return long{::chown(f.c_str(), 1234, 5678)}; }), ok());
  EXPECT_EQ(sys([&] { return long{::lsetxattr(f.c_str(), "user.new", "v", 1, 0)}; }), ok());
  EXPECT_EQ(sys([&] { return long{::lremovexattr(f.c_str(), "user.gone")}; }), ok());
  EXPECT_EQ(sys([&] { return long{::truncate(f.c_str(), 3)}; }), ok());
  EXPECT_EQ(sys([&] { return long{::utimensat(AT_FDCWD, f.c_str(), ts, 0)}; }), ok());
  EXPECT_EQ(sys([&] { return long{::unlink(p.path("u").c_str())}; }), ok());
  EXPECT_EQ(sys([&] { return long{::rmdir(p.path("d").c_str())}; }), ok());
  EXPECT_EQ(sys([&] { return long{::rename(p.path("r").c_str(), p.path("r2").c_str())}; }), ok());
  EXPECT_EQ(sys([&] { return long{::link(p.path("l").c_str(), p.path("l2").c_str())}; }), ok());

  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE("branch " + std::to_string(i));
    const bool acted = i == 0;
    struct stat st = lstat_of(p.on_branch(i, "f"));
    EXPECT_EQ((st.st_mode & 07777) == 0600, acted);
    EXPECT_EQ(st.st_uid == 1234, acted);
    EXPECT_EQ(st.st_size == 3, acted);
    EXPECT_EQ(st.st_mtime == 1234567890, acted);
    EXPECT_EQ(xattr_of(p.on_branch(i, "f"), "user.new") == "v", acted);
    EXPECT_EQ(xattr_of(p.on_branch(i, "f"), "user.gone") == "v", !acted);
    EXPECT_EQ(exists(p.on_branch(i, "u")), !acted);
    EXPECT_EQ(exists(p.on_branch(i, "d")), !acted);
    EXPECT_EQ(exists(p.on_branch(i, "r2")), acted);
    EXPECT_EQ(exists(p.on_branch(i, "l2")), acted);
  }

  ASSERT_EQ(ctl_set(p, "category.action", "epall"), 0) << std::strerror(errno);
  EXPECT_EQ(ctl(p, "func.chmod"), "epall");
  EXPECT_EQ(sys([&] { return long{::chmod(f.c_str(), 0640)}; }), ok());
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(lstat_of(p.on_branch(i, "f")).st_mode & 07777, 0640u) << "epall: branch " << i;
}

// Options apply in order: func.rmdir=rand,category.action=ff ends with rmdir=ff (only the first
// copy goes, every time); category.action=ff,func.rmdir=rand ends with rmdir=rand (one copy, a
// random one: over 16 directories on 3 branches some copy outside branch 0 goes; the chance
// that rand picks branch 0 every time is 3^-16).
TEST(OptionCategory, LaterOptionWinsOverEarlierOne) {
  constexpr int kDirs = 16;
  auto pool_with_dirs = [&](const std::string& options) {
    auto p = std::make_unique<Pool>(PoolSpec{.branches = 3, .options = options, .start = false});
    for (int i = 0; i < 3; ++i)
      for (int d = 0; d < kDirs; ++d) make_dirs(p->on_branch(i, "d" + std::to_string(d)));
    p->start();
    return p;
  };
  {
    auto p = pool_with_dirs("func.rmdir=rand,category.action=ff");
    EXPECT_EQ(ctl(*p, "func.rmdir"), "ff");
    EXPECT_EQ(ctl(*p, "category.action"), "ff");
    for (int d = 0; d < kDirs; ++d) {
      const std::string rel = "d" + std::to_string(d);
      EXPECT_EQ(sys([&] { return long{::rmdir(p->path(rel).c_str())}; }), ok());
      EXPECT_EQ(holders(*p, 3, rel), (std::vector<int>{1, 2})) << rel;
    }
  }
  {
    auto p = pool_with_dirs("category.action=ff,func.rmdir=rand");
    EXPECT_EQ(ctl(*p, "func.rmdir"), "rand");
    EXPECT_EQ(ctl(*p, "func.chmod"), "ff");
    // Distinct policies in function order: chmod (ff) comes before rmdir (rand).
    EXPECT_EQ(ctl(*p, "category.action"), "ff,rand");
    bool spared_first = false;
    for (int d = 0; d < kDirs; ++d) {
      const std::string rel = "d" + std::to_string(d);
      EXPECT_EQ(sys([&] { return long{::rmdir(p->path(rel).c_str())}; }), ok());
      std::vector<int> left = holders(*p, 3, rel);
      EXPECT_EQ(left.size(), 2u) << rel << ": rand removes exactly one copy";
      spared_first = spared_first || (!left.empty() && left.front() == 0);
    }
    EXPECT_TRUE(spared_first) << "rand removed branch 0's copy every time";
  }
}

// category.create over the tmpfs layout above: mfs puts every kind of object on branch 2, lfs
// on branch 1; each create function reads back the category's policy.
TEST(OptionCategory, CreateSetsEveryCreateFunction) {
  for (const auto& [policy, branch] : std::map<std::string, int>{{"mfs", 2}, {"lfs", 1}}) {
    SCOPED_TRACE("category.create=" + policy);
    Pool p({.branches = 3, .options = "minfreespace=1M,category.create=" + policy, .tmpfs_mb = 16,
            .start = false});
    fill_three(p);
    p.start();
    EXPECT_EQ(ctl(p, "category.create"), policy);
    for (const CreateCase& c : create_cases()) {
      EXPECT_EQ(ctl(p, "func." + c.fn), policy);
      Outcome o = sys([&] { return c.make(p.path(c.fn)); });
      EXPECT_EQ(o, ok()) << c.fn << ": " << describe(o);
      EXPECT_EQ(holders(p, 3, c.fn), std::vector<int>{branch}) << c.fn;
    }
  }
}

// category.search=newest: every search function sees branch 1's (newer) copy where the default
// ff sees branch 0's (SearchFunc above). A later func.open=ff takes open back alone, and the
// category then reads "newest,ff" (access..listxattr newest, open ff, readlink newest).
TEST(OptionCategory, SearchSetsEverySearchFunction) {
  {
    Pool p({.branches = 2, .options = "kernel-permissions-check=false,category.search=newest",
            .start = false});
    make_two_copies(p);
    p.start();
    EXPECT_EQ(ctl(p, "category.search"), "newest");
    for (const SearchCase& c : search_cases()) {
      EXPECT_EQ(ctl(p, "func." + c.fn), "newest");
      EXPECT_EQ(c.observe(p), "1") << c.fn;
    }
  }
  {
    Pool p({.branches = 2,
            .options = "kernel-permissions-check=false,category.search=newest,func.open=ff",
            .start = false});
    make_two_copies(p);
    p.start();
    EXPECT_EQ(ctl(p, "category.search"), "newest,ff");
    for (const SearchCase& c : search_cases())
      EXPECT_EQ(c.observe(p), c.fn == "open" ? "0" : "1") << c.fn;
  }
}

}  // namespace
}  // namespace mfs::test::policyopts
