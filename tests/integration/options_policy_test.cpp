// Policy options, one behavioural test per key: every func.<fn> (search, action and create
// functions), category.action/create/search (including "later option wins"), func.readdir's
// modes and its invalid values, and minfreespace (global and per-branch `=RW,SIZE`). Each test
// contrasts two settings and checks, with real syscalls on the pool and on the branches, that the
// key changes which copy or branch an operation uses (FEATURES.md §1.2, §2, §4).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

constexpr time_t kOld = 1000000000;  // mtime of branch 0's copy
constexpr time_t kNew = 1500000000;  // mtime of branch 1's copy: `newest` picks it

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

std::string xattr_of(const std::string& path, const std::string& name) {
  char buf[4096];
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("<") + std::strerror(errno) + ">"
               : std::string(buf, static_cast<size_t>(n));
}

// A runtime key read back through the control file.
std::string ctl(const Pool& p, const std::string& key) {
  return xattr_of(p.path(".mergerfs"), "user.mergerfs." + key);
}

int ctl_set(const Pool& p, const std::string& key, const std::string& value) {
  return ::lsetxattr(p.path(".mergerfs").c_str(), ("user.mergerfs." + key).c_str(), value.data(),
                     value.size(), 0);
}

void set_mtime(const std::string& path, time_t t) {
  struct timespec ts[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << path;
}

void set_xattr(const std::string& path, const std::string& name, const std::string& value) {
  ASSERT_EQ(::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0), 0)
      << path << " " << name << ": " << std::strerror(errno);
}

// The branches (by index) that hold rel.
std::vector<int> holders(const Pool& pool, int branches, const std::string& rel) {
  std::vector<int> out;
  for (int i = 0; i < branches; ++i)
    if (exists(pool.on_branch(i, rel))) out.push_back(i);
  return out;
}

// Fills a tmpfs branch (before the pool starts) with `mb` MiB.
void fill(const std::string& path, size_t mb) { write_file(path, std::string(mb << 20, 'f')); }

Outcome ok() { return Outcome{0, 0}; }

// ---------------------------------------------------------------------------------------------
// Search functions: one object, two copies that differ in everything a search can show.
//
// Branch i (0 or 1) holds f = "copy-i" (same length, so a direct-io read is not cut by the size
// the kernel has from getattr), mode 0644 on branch 0 and 0755 on branch 1, user.copy = "i",
// user.only<i>, mtime kOld/kNew; and a symlink l -> "target-i" with the same mtimes.
// `ff` picks the first branch holding the path (branch 0); `newest` the largest mtime
// (branch 1) (§2.4). Each observer answers "0" or "1" for the copy it saw.

void make_two_copies(const Pool& p) {
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    write_file(p.on_branch(i, "f"), "copy-" + n, i == 0 ? 0644 : 0755);
    set_xattr(p.on_branch(i, "f"), "user.copy", n);
    set_xattr(p.on_branch(i, "f"), "user.only" + n, "1");
    set_mtime(p.on_branch(i, "f"), i == 0 ? kOld : kNew);
    ASSERT_EQ(::symlink(("target-" + n).c_str(), p.on_branch(i, "l").c_str()), 0);
    set_mtime(p.on_branch(i, "l"), i == 0 ? kOld : kNew);
  }
}

using Observer = std::function<std::string(const Pool&)>;

// access(X_OK) as root succeeds only where some execute bit is set: branch 1's copy. The check
// reaches the daemon only without default_permissions (kernel-permissions-check=false):
// otherwise the kernel answers from the attributes it got through getattr (§4.7).
std::string seen_by_access(const Pool& p) {
  Outcome o = sys([&] { return static_cast<long>(::access(p.path("f").c_str(), X_OK)); });
  if (o == ok()) return "1";
  if (o.err == EACCES) return "0";
  return describe(o);
}

std::string seen_by_getattr(const Pool& p) {
  struct stat st {};
  if (::stat(p.path("f").c_str(), &st) < 0) return std::string("stat: ") + std::strerror(errno);
  if ((st.st_mode & 07777) == 0644 && st.st_mtime == kOld) return "0";
  if ((st.st_mode & 07777) == 0755 && st.st_mtime == kNew) return "1";
  return "mode/mtime of neither copy";
}

std::string seen_by_getxattr(const Pool& p) { return xattr_of(p.path("f"), "user.copy"); }

std::string seen_by_listxattr(const Pool& p) {
  char buf[4096];
  ssize_t n = ::llistxattr(p.path("f").c_str(), buf, sizeof buf);
  if (n < 0) return std::string("listxattr: ") + std::strerror(errno);
  std::string seen;
  for (ssize_t off = 0; off < n;) {
    std::string name(buf + off);
    off += static_cast<ssize_t>(name.size()) + 1;
    if (name.rfind("user.only", 0) == 0) seen += (seen.empty() ? "" : "+") + name.substr(9);
  }
  return seen;
}

std::string seen_by_open(const Pool& p) {
  const std::string data = read_file(p.path("f"));
  return data.rfind("copy-", 0) == 0 ? data.substr(5) : "read " + data;
}

std::string seen_by_readlink(const Pool& p) {
  char buf[256];
  ssize_t n = ::readlink(p.path("l").c_str(), buf, sizeof buf);
  if (n < 0) return std::string("readlink: ") + std::strerror(errno);
  const std::string t(buf, static_cast<size_t>(n));
  return t.rfind("target-", 0) == 0 ? t.substr(7) : t;
}

struct SearchCase {
  std::string fn;
  Observer observe;
  std::string extra_options;
};

void PrintTo(const SearchCase& c, std::ostream* os) { *os << "func." << c.fn; }

const std::vector<SearchCase>& search_cases() {
  static const std::vector<SearchCase> cases = {
      {"access", seen_by_access, "kernel-permissions-check=false"},
      {"getattr", seen_by_getattr, ""},
      {"getxattr", seen_by_getxattr, ""},
      {"listxattr", seen_by_listxattr, ""},
      {"open", seen_by_open, ""},
      {"readlink", seen_by_readlink, ""},
  };
  return cases;
}

std::string join_options(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + "," + b;
}

class SearchFunc : public ::testing::TestWithParam<SearchCase> {};

// func.<fn>=ff shows branch 0's copy; func.<fn>=newest shows branch 1's, and only for <fn>: a
// bystander search function (getattr, or open for getattr itself) keeps the category default ff.
TEST_P(SearchFunc, SeesTheCopyItsPolicyPicks) {
  const SearchCase& c = GetParam();
  const std::string key = "func." + c.fn;
  {
    Pool p({.branches = 2, .options = join_options(c.extra_options, key + "=ff"), .start = false});
    make_two_copies(p);
    p.start();
    EXPECT_EQ(ctl(p, key), "ff");
    EXPECT_EQ(c.observe(p), "0") << key << "=ff: the first branch holding the path";
  }
  {
    Pool p({.branches = 2, .options = join_options(c.extra_options, key + "=newest"),
            .start = false});
    make_two_copies(p);
    p.start();
    EXPECT_EQ(ctl(p, key), "newest");
    EXPECT_EQ(c.observe(p), "1") << key << "=newest: the copy with the largest mtime";
    const Observer bystander = c.fn == "getattr" ? seen_by_open : seen_by_getattr;
    EXPECT_EQ(bystander(p), "0") << "a search function other than " << c.fn << " stays ff";
  }
}

INSTANTIATE_TEST_SUITE_P(OptionFunc, SearchFunc, ::testing::ValuesIn(search_cases()),
                         [](const auto& info) { return info.param.fn; });

// ---------------------------------------------------------------------------------------------
// Action functions: the object exists on both branches. func.<fn>=ff acts on the first copy
// only (§2.4: ff action = epff, the first branch holding the path); the default epall acts on
// every copy (§4.4, §4.5, rename §4.2, link §4.3). Either way the call succeeds.

struct ActionCase {
  std::string fn;
  std::function<void(const std::string& branch_root)> setup;  // on each of the two branches
  std::function<Outcome(const Pool&)> act;
  std::function<bool(const std::string& branch_root)> acted;  // did the call change this copy?
  // The pool's view afterwards, as an outcome, under ff and under epall (optional).
  std::function<Outcome(const Pool&)> view;
  Outcome view_ff, view_epall;
};

void plain_file(const std::string& b) { write_file(b + "/f", "0123456789", 0644); }

Outcome stat_outcome(const std::string& path) {
  struct stat st {};
  return sys([&] { return static_cast<long>(::lstat(path.c_str(), &st)); });
}

void PrintTo(const ActionCase& c, std::ostream* os) { *os << "func." << c.fn; }

const std::vector<ActionCase>& action_cases() {
  static const std::vector<ActionCase> cases = {
      {"chmod", plain_file,
       [](const Pool& p) { return sys([&] { return long{::chmod(p.path("f").c_str(), 0600)}; }); },
       [](const std::string& b) { return (lstat_of(b + "/f").st_mode & 07777) == 0600; }},
      {"chown", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::chown(p.path("f").c_str(), 1234, 5678)}; });
       },
       [](const std::string& b) {
         struct stat st = lstat_of(b + "/f");
         return st.st_uid == 1234 && st.st_gid == 5678;
       }},
      {"link", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::link(p.path("f").c_str(), p.path("h").c_str())}; });
       },
       [](const std::string& b) { return exists(b + "/h") && lstat_of(b + "/f").st_nlink == 2; }},
      {"removexattr",
       [](const std::string& b) {
         plain_file(b);
         set_xattr(b + "/f", "user.k", "v");
       },
       [](const Pool& p) {
         return sys([&] { return long{::lremovexattr(p.path("f").c_str(), "user.k")}; });
       },
       [](const std::string& b) {
         return ::lgetxattr((b + "/f").c_str(), "user.k", nullptr, 0) < 0 && errno == ENODATA;
       }},
      {"rename", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::rename(p.path("f").c_str(), p.path("g").c_str())}; });
       },
       [](const std::string& b) { return exists(b + "/g") && !exists(b + "/f"); },
       // Branch 1 was outside ff's set: its f stays and shows through the pool.
       [](const Pool& p) { return stat_outcome(p.path("f")); }, Outcome{0, 0}, Outcome{-1, ENOENT}},
      {"rmdir", [](const std::string& b) { make_dirs(b + "/d"); },
       [](const Pool& p) { return sys([&] { return long{::rmdir(p.path("d").c_str())}; }); },
       [](const std::string& b) { return !exists(b + "/d"); },
       [](const Pool& p) { return stat_outcome(p.path("d")); }, Outcome{0, 0}, Outcome{-1, ENOENT}},
      {"setxattr", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::lsetxattr(p.path("f").c_str(), "user.k", "v", 1, 0)}; });
       },
       [](const std::string& b) { return xattr_of(b + "/f", "user.k") == "v"; }},
      {"truncate", plain_file,
       [](const Pool& p) { return sys([&] { return long{::truncate(p.path("f").c_str(), 3)}; }); },
       [](const std::string& b) { return lstat_of(b + "/f").st_size == 3; }},
      {"unlink", plain_file,
       [](const Pool& p) { return sys([&] { return long{::unlink(p.path("f").c_str())}; }); },
       [](const std::string& b) { return !exists(b + "/f"); },
       // ff leaves branch 1's copy, which the pool then shows; epall removes every copy.
       [](const Pool& p) { return stat_outcome(p.path("f")); }, Outcome{0, 0}, Outcome{-1, ENOENT}},
      {"utimens", plain_file,
       [](const Pool& p) {
         struct timespec ts[2] = {{1234567890, 5}, {1234567890, 5}};
         return sys([&] { return long{::utimensat(AT_FDCWD, p.path("f").c_str(), ts, 0)}; });
       },
       [](const std::string& b) {
         struct stat st = lstat_of(b + "/f");
         return st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 5;
       }},
  };
  return cases;
}

class ActionFunc : public ::testing::TestWithParam<ActionCase> {};

TEST_P(ActionFunc, ActsOnlyWhereThePolicySays) {
  const ActionCase& c = GetParam();
  const std::string key = "func." + c.fn;
  for (const std::string policy : {"ff", "epall"}) {
    SCOPED_TRACE(key + "=" + policy);
    Pool p({.branches = 2, .options = key + "=" + policy, .start = false});
    c.setup(p.branch(0));
    c.setup(p.branch(1));
    p.start();
    EXPECT_EQ(ctl(p, key), policy);
    Outcome o = c.act(p);
    EXPECT_EQ(o, ok()) << describe(o);
    EXPECT_TRUE(c.acted(p.branch(0))) << "the first copy is always acted on";
    EXPECT_EQ(c.acted(p.branch(1)), policy == "epall") << "the second copy only under epall";
    if (c.view) {
      Outcome v = c.view(p);
      EXPECT_EQ(v, policy == "ff" ? c.view_ff : c.view_epall) << describe(v);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OptionFunc, ActionFunc, ::testing::ValuesIn(action_cases()),
                         [](const auto& info) { return info.param.fn; });

// ---------------------------------------------------------------------------------------------
// Create functions, over three 16 MiB tmpfs branches: branch 0 holds 5 MiB, branch 1 10 MiB
// (least free), branch 2 nothing (most free); minfreespace=1M lets all three qualify.
// With category.create=ff every create goes to branch 0; func.<fn>=mfs sends <fn> (only) to
// branch 2 and func.<fn>=lfs to branch 1 (§2.4).

void fill_three(const Pool& p) {
  fill(p.on_branch(0, "filler"), 5);
  fill(p.on_branch(1, "filler"), 10);
}

using Maker = std::function<long(const std::string& path)>;

long make_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  return fd < 0 ? -1 : ::close(fd);
}
long make_dir(const std::string& path) { return ::mkdir(path.c_str(), 0755); }
long make_fifo(const std::string& path) { return ::mknod(path.c_str(), S_IFIFO | 0644, 0); }
long make_symlink(const std::string& path) { return ::symlink("target", path.c_str()); }

struct CreateCase {
  std::string fn;
  Maker make;
};

void PrintTo(const CreateCase& c, std::ostream* os) { *os << "func." << c.fn; }

const std::vector<CreateCase>& create_cases() {
  static const std::vector<CreateCase> cases = {
      {"create", make_file}, {"mkdir", make_dir}, {"mknod", make_fifo}, {"symlink", make_symlink}};
  return cases;
}

class CreateFunc : public ::testing::TestWithParam<CreateCase> {};

TEST_P(CreateFunc, LandsOnTheBranchThePolicyPicks) {
  const CreateCase& c = GetParam();
  const std::string key = "func." + c.fn;
  const Maker bystander = c.fn == "create" ? Maker(make_dir) : Maker(make_file);
  for (const auto& [policy, branch] : std::map<std::string, int>{{"mfs", 2}, {"lfs", 1}}) {
    SCOPED_TRACE(key + "=" + policy);
    Pool p({.branches = 3, .options = "category.create=ff,minfreespace=1M," + key + "=" + policy,
            .tmpfs_mb = 16, .start = false});
    fill_three(p);
    p.start();
    EXPECT_EQ(ctl(p, key), policy);
    // The category reads back the distinct policies in function order (create first).
    EXPECT_EQ(ctl(p, "category.create"), c.fn == "create" ? policy + ",ff" : "ff," + policy);
    Outcome o = sys([&] { return c.make(p.path("obj")); });
    EXPECT_EQ(o, ok()) << describe(o);
    EXPECT_EQ(holders(p, 3, "obj"), std::vector<int>{branch});
    o = sys([&] { return bystander(p.path("other")); });
    EXPECT_EQ(o, ok()) << describe(o);
    EXPECT_EQ(holders(p, 3, "other"), std::vector<int>{0}) << "other create functions stay ff";
  }
}

INSTANTIATE_TEST_SUITE_P(OptionFunc, CreateFunc, ::testing::ValuesIn(create_cases()),
                         [](const auto& info) { return info.param.fn; });

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

// ---------------------------------------------------------------------------------------------
// func.readdir (§4.6): every mode lists the merged set, each name once, the first branch in
// order winning d_type; seq and cosr read in branch order, cor concurrently.

struct Listing {
  std::map<std::string, int> count;
  std::map<std::string, unsigned char> type;
  std::map<std::string, size_t> position;  // of the name's first appearance
};

Listing list_dir(const std::string& dir) {
  Listing out;
  DIR* d = ::opendir(dir.c_str());
  EXPECT_NE(d, nullptr) << dir << ": " << std::strerror(errno);
  if (!d) return out;
  errno = 0;
  for (size_t i = 0; auto* e = ::readdir(d); ++i) {
    out.position.emplace(e->d_name, i);
    ++out.count[e->d_name];
    out.type[e->d_name] = e->d_type;
  }
  EXPECT_EQ(errno, 0) << "readdir " << dir;
  ::closedir(d);
  return out;
}

class ReaddirMode : public ::testing::TestWithParam<std::string> {};

TEST_P(ReaddirMode, ListsTheMergedSetOnce) {
  const std::string mode = GetParam();
  Pool p({.branches = 3, .options = "func.readdir=" + mode, .start = false});
  // a, b, c on one branch each; "shared" on all three; "mixed" a file on branch 0 and a
  // directory on branch 1; "sub" a directory on branches 0 and 2 with different contents.
  write_file(p.on_branch(0, "a"), "a");
  write_file(p.on_branch(1, "b"), "b");
  write_file(p.on_branch(2, "c"), "c");
  for (int i = 0; i < 3; ++i) write_file(p.on_branch(i, "shared"), "s");
  write_file(p.on_branch(0, "mixed"), "m");
  make_dirs(p.on_branch(1, "mixed"));
  make_dirs(p.on_branch(0, "sub"));
  make_dirs(p.on_branch(2, "sub"));
  write_file(p.on_branch(0, "sub/x"), "");
  write_file(p.on_branch(2, "sub/y"), "");
  write_file(p.on_branch(2, "sub/x"), "");
  p.start();
  EXPECT_EQ(ctl(p, "func.readdir"), mode);

  Listing root = list_dir(p.mnt());
  const std::map<std::string, int> want = {{".", 1}, {"..", 1},      {"a", 1},     {"b", 1},
                                           {"c", 1}, {"shared", 1}, {"mixed", 1}, {"sub", 1}};
  EXPECT_EQ(root.count, want);
  EXPECT_EQ(root.type["sub"], DT_DIR);
  // cor merges concurrently, so which copy of "mixed" lands first is not fixed there.
  if (mode.rfind("cor", 0) != 0) {
    EXPECT_EQ(root.type["mixed"], DT_REG) << "branch 0 wins";
    // Branches are read one after another in pool order.
    EXPECT_LT(root.position["a"], root.position["b"]);
    EXPECT_LT(root.position["b"], root.position["c"]);
  }

  Listing sub = list_dir(p.path("sub"));
  EXPECT_EQ(sub.count, (std::map<std::string, int>{{".", 1}, {"..", 1}, {"x", 1}, {"y", 1}}));
}

INSTANTIATE_TEST_SUITE_P(OptionReaddir, ReaddirMode,
                         ::testing::Values("seq", "cosr", "cor", "cosr:2:4", "cor:3:1"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == ':') ch = '_';
                           return n;
                         });

// A value outside seq|cosr[:N[:M]]|cor[:N[:M]] is "invalid value": exit 1, nothing mounted.
TEST(OptionReaddir, InvalidValueFailsTheMount) {
  Pool p({.branches = 1, .start = false});
  for (const std::string bad : {"cor:x", "cosr:1:x", "cor:-1", "sideways", "seq:2"}) {
    std::string out;
    const int status = run("'" + mergerfs_bin() + "' -f -o func.readdir=" + bad + " '" +
                               p.branch_arg() + "' '" + p.mnt() + "'",
                           &out, 10);
    EXPECT_EQ(status, 1) << bad << ": " << out;
    EXPECT_NE(out.find("mergerfs: ERROR - invalid value - func.readdir=" + bad),
              std::string::npos)
        << out;
    EXPECT_FALSE(is_mounted(p.mnt())) << bad;
    if (is_mounted(p.mnt())) {
      run("fusermount3 -u '" + p.mnt() + "'");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// minfreespace (§1.2, §1.3, §2.3): create skips a branch whose free space is below its floor;
// the floor is the global value unless the branch gives its own (`=RW,SIZE`), and a branch
// without its own tracks the global value live.
//
// Two 16 MiB tmpfs branches with create=ff; branch 0 holds 10 MiB (about 6 MiB free), branch 1
// is empty.

Outcome create_outcome(const Pool& p, const std::string& rel) {
  return sys([&] { return make_file(p.path(rel)); });
}

TEST(OptionMinFreeSpace, BranchWithLessFreeSpaceIsSkippedByCreate) {
  for (const auto& [floor, branch] : std::map<std::string, int>{{"1M", 0}, {"8M", 1}}) {
    SCOPED_TRACE("minfreespace=" + floor);
    Pool p({.branches = 2, .options = "category.create=ff,minfreespace=" + floor, .tmpfs_mb = 16,
            .start = false});
    fill(p.on_branch(0, "filler"), 10);
    p.start();
    EXPECT_EQ(create_outcome(p, "file"), ok());
    EXPECT_EQ(holders(p, 2, "file"), std::vector<int>{branch});
    EXPECT_EQ(sys([&] { return make_dir(p.path("dir")); }), ok());
    EXPECT_EQ(holders(p, 2, "dir"), std::vector<int>{branch});
    if (floor != "8M") continue;
    // Above every branch's free space: no branch qualifies, ENOSPC (§2.3).
    ASSERT_EQ(ctl_set(p, "minfreespace", "32M"), 0) << std::strerror(errno);
    EXPECT_EQ(create_outcome(p, "file2"), (Outcome{-1, ENOSPC}));
    EXPECT_EQ(sys([&] { return make_dir(p.path("dir2")); }), (Outcome{-1, ENOSPC}));
    EXPECT_TRUE(holders(p, 2, "file2").empty());
  }
}

TEST(OptionMinFreeSpace, PerBranchValueOverridesTheGlobalOne) {
  {
    // Global 8M would skip branch 0 (previous test); its own 1M lets it take the create, and
    // keeps doing so when the global floor rises past every branch.
    Pool p({.branches = 2, .options = "category.create=ff,minfreespace=8M", .tmpfs_mb = 16,
            .branch_suffixes = {"=RW,1M", ""}, .start = false});
    fill(p.on_branch(0, "filler"), 10);
    p.start();
    EXPECT_EQ(create_outcome(p, "a"), ok());
    EXPECT_EQ(holders(p, 2, "a"), std::vector<int>{0});
    ASSERT_EQ(ctl_set(p, "minfreespace", "32M"), 0) << std::strerror(errno);
    EXPECT_EQ(create_outcome(p, "b"), ok());
    EXPECT_EQ(holders(p, 2, "b"), std::vector<int>{0});
  }
  {
    // Global 1M would let branch 0 take it; its own 8M skips it.
    Pool p({.branches = 2, .options = "category.create=ff,minfreespace=1M", .tmpfs_mb = 16,
            .branch_suffixes = {"=RW,8M", ""}, .start = false});
    fill(p.on_branch(0, "filler"), 10);
    p.start();
    EXPECT_EQ(create_outcome(p, "a"), ok());
    EXPECT_EQ(holders(p, 2, "a"), std::vector<int>{1});
  }
}

}  // namespace
}  // namespace mfs::test
