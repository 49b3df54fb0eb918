// Namespace operations seen from the branches: ownership, umask and default ACLs of the objects
// an unprivileged caller creates.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/namespace_branch_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::nsbranches {
namespace {

// ---------------------------------------------------------------------------------------------
// Credentials: ownership and umask

TEST(NamespaceCredentials, ObjectsMadeByNobodyAreOwnedByNobody) {
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  make_dirs(pool.on_branch(0, "pub"), 0777);
  make_dirs(pool.on_branch(1, "pub"), 0777);
  pool.start();
  Outcome o = as_user(kNobody, kNogroup, [&] {
    int fd = ::open(pool.path("pub/file").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0644);
    if (fd < 0) return -1L;
    ::close(fd);
    if (::mkdir(pool.path("pub/dir").c_str(), 0755) < 0) return -2L;
    if (::mkfifo(pool.path("pub/fifo").c_str(), 0644) < 0) return -3L;
    if (::mknod(pool.path("pub/sock").c_str(), S_IFSOCK | 0644, 0) < 0) return -4L;
    if (::symlink("file", pool.path("pub/symlink").c_str()) < 0) return -5L;
    if (::link(pool.path("pub/file").c_str(), pool.path("pub/hardlink").c_str()) < 0) return -6L;
    if (::mkdir(pool.path("pub/dir/deeper").c_str(), 0700) < 0) return -7L;
    return 0L;
  });
  ASSERT_EQ(o.ret, 0) << describe(o);
  for (const std::string n : {"file", "dir", "fifo", "sock", "symlink", "hardlink", "dir/deeper"}) {
    for (const std::string& where : {pool.on_branch(0, "pub/" + n), pool.path("pub/" + n)}) {
      struct stat st = lstat_of(where);
      EXPECT_EQ(st.st_uid, kNobody) << where;
      EXPECT_EQ(st.st_gid, kNogroup) << where;
    }
  }
  EXPECT_TRUE(names_in(pool.on_branch(1, "pub")).empty());
  // And nobody may remove what it made.
  EXPECT_EQ(as_user(kNobody, kNogroup, [&] {
              return static_cast<long>(::rmdir(pool.path("pub/dir/deeper").c_str()));
            }).err,
            0);
}

// Runs fn as uid/gid with `mask` as the umask; returns what fn returned.
Outcome with_umask(uid_t uid, gid_t gid, mode_t mask, const std::function<long()>& fn) {
  return as_user(uid, gid, [&] {
    ::umask(mask);
    return fn();
  });
}

long make_four(const std::string& dir) {
  int fd = ::open((dir + "/file").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0666);
  if (fd < 0) return -1;
  ::close(fd);
  if (::mkdir((dir + "/dir").c_str(), 0777) < 0) return -2;
  if (::mkfifo((dir + "/fifo").c_str(), 0666) < 0) return -3;
  if (::mknod((dir + "/sock").c_str(), S_IFSOCK | 0777, 0) < 0) return -4;
  return 0;
}

TEST(NamespaceCredentials, CallersUmaskIsApplied) {
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  TempDir plain;
  for (const std::string& root : {pool.branch(0), plain.path()}) {
    make_dirs(root + "/u027", 0777);
    make_dirs(root + "/u077", 0777);
    make_dirs(root + "/u000", 0777);
  }
  pool.start();
  struct Case {
    std::string dir;
    uid_t uid;
    mode_t mask;
    mode_t file, dir_mode;
  };
  for (const Case& c : {Case{"u027", kNobody, 027, 0640, 0750}, Case{"u077", 0, 077, 0600, 0700},
                        Case{"u000", kNobody, 0, 0666, 0777}}) {
    for (const std::string& root : {pool.mnt(), plain.path()}) {
      Outcome o = with_umask(c.uid, c.uid ? kNogroup : 0, c.mask,
                             [&] { return make_four(root + "/" + c.dir); });
      EXPECT_EQ(o.ret, 0) << root << " " << c.dir << ": " << describe(o);
    }
    for (const std::string n : {"file", "dir", "fifo", "sock"}) {
      std::string rel = c.dir + "/" + n;
      mode_t want = (n == "file" || n == "fifo") ? c.file : c.dir_mode;
      EXPECT_EQ(mode_of(plain.path() + "/" + rel), want) << "plain " << rel;
      EXPECT_EQ(mode_of(pool.path(rel)), want) << "pool " << rel;
      EXPECT_EQ(mode_of(pool.on_branch(0, rel)), want) << "branch 0 " << rel;
    }
  }
}

// A minimal POSIX ACL (user::rwx group::rwx other::rwx) in the kernel's xattr format.
std::string full_acl() {
  std::string a;
  auto u32 = [&](uint32_t v) { a.append(reinterpret_cast<const char*>(&v), 4); };
  auto entry = [&](uint16_t tag, uint16_t perm) {
    a.append(reinterpret_cast<const char*>(&tag), 2);
    a.append(reinterpret_cast<const char*>(&perm), 2);
    u32(0xffffffffu);
  };
  u32(2);  // POSIX_ACL_XATTR_VERSION
  entry(0x01, 7);  // ACL_USER_OBJ
  entry(0x04, 7);  // ACL_GROUP_OBJ
  entry(0x20, 7);  // ACL_OTHER
  return a;
}

TEST(NamespaceCredentials, DefaultAclOnTheParentReplacesTheUmask) {
  // FEATURES.md §4.1: the umask is not applied when the parent directory has a default ACL;
  // the ACL decides, as on a plain directory.
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  TempDir plain;
  const std::string acl = full_acl();
  for (const std::string& root : {pool.branch(0), plain.path()}) {
    make_dirs(root + "/acl", 0777);
    if (::setxattr((root + "/acl").c_str(), "system.posix_acl_default", acl.data(), acl.size(),
                   0) < 0)
      FAIL() << "setting a default ACL on " << root << " (temp dirs need POSIX ACLs): "
             << std::strerror(errno);
  }
  pool.start();
  for (const std::string& root : {pool.mnt(), plain.path()}) {
    Outcome o = with_umask(kNobody, kNogroup, 027, [&] { return make_four(root + "/acl"); });
    EXPECT_EQ(o.ret, 0) << root << ": " << describe(o);
  }
  for (const std::string n : {"file", "dir", "fifo", "sock"}) {
    mode_t want = mode_of(plain.path() + "/acl/" + n);
    EXPECT_EQ(want, (n == "file" || n == "fifo") ? 0666u : 0777u) << "plain " << n;
    EXPECT_EQ(mode_of(pool.path("acl/" + n)), want) << "pool " << n;
  }
}

}  // namespace
}  // namespace mfs::test::nsbranches
