// The fixture of every NamespaceOps test (namespace_ops_*_test.cpp): the tree every test starts
// from, on branch 0 and on a plain directory, the comparisons of an operation's outcome and of
// the resulting trees, and one builder per syscall (a function run on either base). The pool
// uses category.create=ff, so every new object must land on branch 0. The configurations it
// runs under are in namespace_ops_configs.cpp.
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::nsops {

using Fn = std::function<long(const std::string& base)>;

inline std::string at(const std::string& base, const std::string& rel) {
  return rel.empty() ? base : base + "/" + rel;
}

inline long closed(int fd) {
  if (fd < 0) return -1;
  ::close(fd);
  return 0;
}

inline long rename2(const std::string& from, const std::string& to, unsigned flags) {
  return ::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags);
}

inline void must(int r, const std::string& what) {
  if (r < 0) ADD_FAILURE() << what << ": " << std::strerror(errno);
}

const std::string kName255(255, 'l');
const std::string kName256(256, 'n');

// The tree every test starts from, built the same way under `r` (branch 0 and the plain dir).
inline void build_base(const std::string& r) {
  auto p = [&](const std::string& rel) { return r + "/" + rel; };
  write_file(p("file"), "contents\n");
  write_file(p("file2"), "second file\n");
  write_file(p("exe"), "#!/bin/sh\n", 0755);
  make_dirs(p("d"));
  write_file(p("d/f"), "in d\n");
  make_dirs(p("full"));
  write_file(p("full/x"), "x\n");
  make_dirs(p("empty"));
  make_dirs(p("empty2"));
  make_dirs(p("dst/sub"));
  must(::symlink("file", p("lnk").c_str()), "symlink lnk");
  must(::symlink("nowhere", p("dangling").c_str()), "symlink dangling");
  must(::symlink("loop", p("loop").c_str()), "symlink loop");
  must(::symlink("d", p("dirlnk").c_str()), "symlink dirlnk");
  must(::mkfifo(p("fifo").c_str(), 0644), "mkfifo");
  must(::chmod(p("fifo").c_str(), 0644), "chmod fifo");
  write_file(p("hard1"), "two names\n");
  must(::link(p("hard1").c_str(), p("hard2").c_str()), "link hard2");
  write_file(p("xf"), "has xattrs\n");
  must(::setxattr(p("xf").c_str(), "user.a", "1", 1, 0), "setxattr xf");
  make_dirs(p("pub"), 0777);
  write_file(p("pub/rootfile"), "root's\n", 0644);
  write_file(p("pub/shared"), "writable by all\n", 0666);
  write_file(p("pub/suid"), "#!/bin/sh\n", 04777);
  write_file(p("pub/sgid"), "#!/bin/sh\n", 02777);
  make_dirs(p("pub/rootdir"), 0755);
  make_dirs(p("sticky"), 01777);
  write_file(p("sticky/rootfile"), "root's, in a sticky dir\n", 0666);
  write_file(p("sticky/nobodyfile"), "nobody's, in a sticky dir\n", 0644);
  must(::chown(p("sticky/nobodyfile").c_str(), kNobody, kNogroup), "chown");
  make_dirs(p("sticky/rootdir"), 0777);
  make_dirs(p("closed"), 0700);
  write_file(p("closed/f"), "behind a 0700 dir\n", 0666);
  make_dirs(p("priv"), 0755);
  write_file(p("priv/f"), "root's, in a root dir\n");
  make_dirs(p("priv/sub"), 0777);
  make_dirs(p("sgiddir"), 02777);
  must(::chown(p("sgiddir").c_str(), 0, 5678), "chown sgiddir");
  must(::chmod(p("sgiddir").c_str(), 02777), "chmod sgiddir");
  make_dirs(p("nobodydir"), 0755);
  must(::chown(p("nobodydir").c_str(), kNobody, kNogroup), "chown nobodydir");
  write_file(p("nobodydir/own"), "nobody's own\n", 0644);
  must(::chown(p("nobodydir/own").c_str(), kNobody, kNogroup), "chown own");
}

// Parameter: extra pool options. Everything must hold with the kernel caches off and on.
class NamespaceOps : public ::testing::TestWithParam<std::string> {
 protected:
  Pool pool{{.branches = 3, .options = "category.create=ff" + GetParam(), .start = false}};
  TempDir plain;

  void SetUp() override {
    build_base(pool.branch(0));
    build_base(plain.path());
    pool.start();
  }

  std::string P(const std::string& rel) const { return at(pool.mnt(), rel); }
  std::string L(const std::string& rel) const { return at(plain.path(), rel); }

  // Runs fn on the pool and on the plain directory (as root, or as nobody:nogroup) and expects
  // the same outcome. Returns the pool's.
  Outcome same(const std::string& label, const Fn& fn, bool nobody = false) {
    auto run_on = [&](const std::string& base) {
      return nobody ? as_user(kNobody, kNogroup, [&] { return fn(base); })
                    : sys([&] { return fn(base); });
    };
    Outcome a = run_on(pool.mnt());
    Outcome b = run_on(plain.path());
    EXPECT_TRUE(a == b) << (nobody ? "[nobody] " : "[root] ") << label << ": pool "
                        << describe(a) << ", plain " << describe(b);
    return a;
  }
  // Same, and states the expected errno (0 for success) so the comparison is not vacuous.
  void expect(const std::string& label, int err, const Fn& fn, bool nobody = false) {
    Outcome a = same(label, fn, nobody);
    EXPECT_EQ(a.err, err) << label << ": pool " << describe(a);
  }

  // The effect: the pool, and branch 0 under it, equal the plain directory; nothing anywhere else.
  void expect_same_tree(const TreeOptions& opt = {}) {
    std::string want = describe_tree(plain.path(), opt);
    EXPECT_EQ(line_diff(describe_tree(pool.mnt(), opt), want), "")
        << "the pool (+) differs from the plain directory (-)";
    EXPECT_EQ(line_diff(describe_tree(pool.branch(0), opt), want), "")
        << "branch 0 (+) differs from the plain directory (-)";
    for (int i = 1; i < 3; ++i) {
      std::string t = describe_tree(pool.branch(i));
      EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 1) << "branch " << i << " got something:\n"
                                                         << t;
    }
  }

  struct stat lstat_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
    return st;
  }
};

inline Fn open_fn(const std::string& rel, int flags, mode_t mode = 0644,
                  const std::string& data = "") {
  return [=](const std::string& b) -> long {
    int fd = ::open(at(b, rel).c_str(), flags, mode);
    if (fd < 0) return -1;
    if (!data.empty() && ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      int e = errno;
      ::close(fd);
      errno = e;
      return -1;
    }
    return closed(fd);
  };
}
inline Fn mkdir_fn(const std::string& rel, mode_t mode = 0755) {
  return [=](const std::string& b) -> long { return ::mkdir(at(b, rel).c_str(), mode); };
}
inline Fn mknod_fn(const std::string& rel, mode_t mode, dev_t dev = 0) {
  return [=](const std::string& b) -> long { return ::mknod(at(b, rel).c_str(), mode, dev); };
}
inline Fn symlink_fn(const std::string& target, const std::string& rel) {
  return [=](const std::string& b) -> long { return ::symlink(target.c_str(), at(b, rel).c_str()); };
}
inline Fn link_fn(const std::string& from, const std::string& to, int flags = 0) {
  return [=](const std::string& b) -> long {
    return ::linkat(AT_FDCWD, at(b, from).c_str(), AT_FDCWD, at(b, to).c_str(), flags);
  };
}
inline Fn unlink_fn(const std::string& rel) {
  return [=](const std::string& b) -> long { return ::unlink(at(b, rel).c_str()); };
}
inline Fn rmdir_fn(const std::string& rel) {
  return [=](const std::string& b) -> long { return ::rmdir(at(b, rel).c_str()); };
}
inline Fn rename_fn(const std::string& from, const std::string& to, unsigned flags = 0) {
  return [=](const std::string& b) -> long { return rename2(at(b, from), at(b, to), flags); };
}
inline Fn chmod_fn(const std::string& rel, mode_t mode, int flags = 0) {
  return [=](const std::string& b) -> long {
    return ::fchmodat(AT_FDCWD, at(b, rel).c_str(), mode, flags);
  };
}
inline Fn chown_fn(const std::string& rel, uid_t u, gid_t g, int flags = 0) {
  return [=](const std::string& b) -> long {
    return ::fchownat(AT_FDCWD, at(b, rel).c_str(), u, g, flags);
  };
}
inline Fn truncate_fn(const std::string& rel, off_t size) {
  return [=](const std::string& b) -> long { return ::truncate(at(b, rel).c_str(), size); };
}
inline Fn utimens_fn(const std::string& rel, timespec a, timespec m, int flags = 0) {
  return [=](const std::string& b) -> long {
    timespec ts[2] = {a, m};
    return ::utimensat(AT_FDCWD, at(b, rel).c_str(), ts, flags);
  };
}
inline Fn utimes_now_fn(const std::string& rel) {
  return [=](const std::string& b) -> long {
    return ::utimensat(AT_FDCWD, at(b, rel).c_str(), nullptr, 0);
  };
}
inline Fn setxattr_fn(const std::string& rel, const std::string& name, const std::string& value,
               int flags = 0, bool follow = true) {
  return [=](const std::string& b) -> long {
    return follow ? ::setxattr(at(b, rel).c_str(), name.c_str(), value.data(), value.size(), flags)
                  : ::lsetxattr(at(b, rel).c_str(), name.c_str(), value.data(), value.size(),
                                flags);
  };
}
inline Fn removexattr_fn(const std::string& rel, const std::string& name, bool follow = true) {
  return [=](const std::string& b) -> long {
    return follow ? ::removexattr(at(b, rel).c_str(), name.c_str())
                  : ::lremovexattr(at(b, rel).c_str(), name.c_str());
  };
}

constexpr bool kNobodyUser = true;

}  // namespace mfs::test::nsops
