// Namespace operations on attributes and contents, compared with a plain directory: chmod and
// chown, truncate, utimensat, xattrs, write.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/namespace_ops_fixture.hpp"

namespace mfs::test::nsops {
namespace {

TEST_P(NamespaceOps, ChmodChownMatchPlainDirectory) {
  expect("chmod a file", 0, chmod_fn("file", 0600));
  expect("chmod a dir", 0, chmod_fn("d", 0711));
  expect("chmod a fifo", 0, chmod_fn("fifo", 0600));
  expect("chmod through a symlink", 0, chmod_fn("lnk", 0640));
  expect("chmod setuid+setgid+sticky", 0, chmod_fn("exe", 07755));
  same("fchmodat AT_SYMLINK_NOFOLLOW on a symlink", chmod_fn("dirlnk", 0700, AT_SYMLINK_NOFOLLOW));
  expect("chmod a dangling symlink", ENOENT, chmod_fn("dangling", 0600));
  expect("chmod a missing name", ENOENT, chmod_fn("missing", 0600));
  expect("chmod below a file", ENOTDIR, chmod_fn("file/x", 0600));
  expect("chmod below a loop", ELOOP, chmod_fn("loop/x", 0600));
  expect("chown a file", 0, chown_fn("file2", 1234, 5678));
  expect("chown a dir", 0, chown_fn("full", kNobody, kNogroup));
  expect("chown the uid only", 0, chown_fn("xf", 4321, static_cast<gid_t>(-1)));
  expect("chown the gid only", 0, chown_fn("fifo", static_cast<uid_t>(-1), 77));
  expect("lchown a symlink", 0, chown_fn("dirlnk", 999, 998, AT_SYMLINK_NOFOLLOW));
  expect("chown through a symlink", 0, chown_fn("lnk", 555, 556));
  expect("chown a setuid file (bits cleared)", 0, chown_fn("pub/suid", 1000, 1000));
  expect("chown a setgid-exec file (bits cleared)", 0, chown_fn("pub/sgid", 1000, 1000));
  expect("chown a missing name", ENOENT, chown_fn("missing", 1, 1));
  // As nobody.
  expect("chmod root's file", EPERM, chmod_fn("pub/rootfile", 0666), kNobodyUser);
  expect("chmod own file", 0, chmod_fn("nobodydir/own", 0604), kNobodyUser);
  expect("chmod own dir", 0, chmod_fn("nobodydir", 0775), kNobodyUser);
  expect("chown own file to root", EPERM, chown_fn("nobodydir/own", 0, 0), kNobodyUser);
  expect("chown own file to a foreign group", EPERM,
         chown_fn("nobodydir/own", static_cast<uid_t>(-1), 5678), kNobodyUser);
  expect("chown own file to itself", 0, chown_fn("nobodydir/own", kNobody, kNogroup),
         kNobodyUser);
  expect("chown root's file", EPERM, chown_fn("pub/shared", kNobody, kNogroup), kNobodyUser);
  expect("chmod below a root 0700 dir", EACCES, chmod_fn("closed/f", 0600), kNobodyUser);
  expect("fchown on an open fd", 0, [](const std::string& b) -> long {
    int fd = ::open((b + "/exe").c_str(), O_RDONLY);
    if (fd < 0) return -1;
    long r = ::fchown(fd, 2222, 3333);
    ::close(fd);
    return r;
  });
  expect("fchmod on an open fd", 0, [](const std::string& b) -> long {
    int fd = ::open((b + "/exe").c_str(), O_RDONLY);
    if (fd < 0) return -1;
    long r = ::fchmod(fd, 0751);
    ::close(fd);
    return r;
  });
  // A file nobody made in a setgid dir of a foreign group: chmod g+s by nobody drops S_ISGID.
  expect("create in sgiddir", 0, open_fn("sgiddir/mine", O_CREAT | O_WRONLY, 0644), kNobodyUser);
  expect("chmod 02755 by a non-member (S_ISGID dropped)", 0, chmod_fn("sgiddir/mine", 02755),
         kNobodyUser);
  expect_same_tree();
  EXPECT_EQ(lstat_of(P("sgiddir/mine")).st_mode & 07777, 0755u);
  EXPECT_EQ(lstat_of(P("exe")).st_mode & 07777, 0751u);
  EXPECT_EQ(lstat_of(P("exe")).st_uid, 2222u);
  EXPECT_EQ(lstat_of(P("dirlnk")).st_uid, 999u);
  EXPECT_EQ(lstat_of(P("file")).st_uid, 555u);
}

TEST_P(NamespaceOps, TruncateMatchesPlainDirectory) {
  expect("truncate shorter", 0, truncate_fn("file", 3));
  expect("truncate longer (a hole)", 0, truncate_fn("file2", 100000));
  expect("truncate to 0", 0, truncate_fn("xf", 0));
  expect("truncate through a symlink", 0, truncate_fn("lnk", 1));
  expect("truncate a hard link (both names)", 0, truncate_fn("hard1", 4));
  expect("truncate negative", EINVAL, truncate_fn("file", -1));
  expect("truncate a dir", EISDIR, truncate_fn("d", 0));
  expect("truncate a fifo", EINVAL, truncate_fn("fifo", 0));
  expect("truncate a missing name", ENOENT, truncate_fn("missing", 0));
  expect("truncate a dangling symlink", ENOENT, truncate_fn("dangling", 0));
  expect("truncate below a file", ENOTDIR, truncate_fn("file/x", 0));
  expect("truncate root's 0644 file", EACCES, truncate_fn("pub/rootfile", 0), kNobodyUser);
  expect("truncate a 0666 file", 0, truncate_fn("pub/shared", 5), kNobodyUser);
  expect("truncate a setgid-exec 02777 file (S_ISGID cleared)", 0, truncate_fn("pub/sgid", 2),
         kNobodyUser);
  expect("truncate a setuid 04777 file (S_ISUID cleared)", 0, truncate_fn("pub/suid", 2),
         kNobodyUser);
  // ftruncate on open descriptors.
  expect("ftruncate", 0, [](const std::string& b) -> long {
    int fd = ::open((b + "/exe").c_str(), O_RDWR);
    if (fd < 0) return -1;
    long r = ::ftruncate(fd, 7);
    ::close(fd);
    return r;
  });
  expect("ftruncate on O_RDONLY", EINVAL, [](const std::string& b) -> long {
    int fd = ::open((b + "/exe").c_str(), O_RDONLY);
    if (fd < 0) return -1;
    long r = ::ftruncate(fd, 1);
    int e = errno;
    ::close(fd);
    errno = e;
    return r;
  });
  expect_same_tree();
  EXPECT_EQ(lstat_of(P("pub/suid")).st_mode & 07777, 0777u);
  EXPECT_EQ(lstat_of(P("pub/sgid")).st_mode & 07777, 0777u);
  EXPECT_EQ(read_file(P("file")), "c");
}

TEST_P(NamespaceOps, UtimensMatchesPlainDirectory) {
  const timespec t1{1500000000, 123456789}, t2{1600000000, 987654321};
  const timespec omit{0, UTIME_OMIT}, now{0, UTIME_NOW};
  expect("utimens a file", 0, utimens_fn("file", t1, t2));
  expect("utimens a dir", 0, utimens_fn("d", t2, t1));
  expect("utimens through a symlink", 0, utimens_fn("lnk", t1, t1));  // = file
  expect("utimens a symlink itself", 0, utimens_fn("dirlnk", t1, t2, AT_SYMLINK_NOFOLLOW));
  expect("utimens a fifo", 0, utimens_fn("fifo", t2, t2));
  expect("utimens mtime only", 0, utimens_fn("file2", omit, t2));
  expect("utimens atime only", 0, utimens_fn("xf", t1, omit));
  expect("utimens a dangling symlink", ENOENT, utimens_fn("dangling", t1, t2));
  expect("utimens a missing name", ENOENT, utimens_fn("missing", t1, t2));
  expect("utimens below a file", ENOTDIR, utimens_fn("file/x", t1, t2));
  expect("utimens explicit on root's 0666 file", EPERM, utimens_fn("pub/shared", t1, t2),
         kNobodyUser);
  expect("utimens now on root's 0666 file", 0, utimes_now_fn("pub/shared"), kNobodyUser);
  expect("utimens UTIME_NOW both on root's 0666 file", 0, utimens_fn("pub/shared", now, now),
         kNobodyUser);
  expect("utimens now on root's 0644 file", EACCES, utimes_now_fn("pub/rootfile"), kNobodyUser);
  expect("utimens explicit on own file", 0, utimens_fn("nobodydir/own", t2, t1), kNobodyUser);
  expect("futimens", 0, [&](const std::string& b) -> long {
    int fd = ::open((b + "/exe").c_str(), O_RDONLY);
    if (fd < 0) return -1;
    timespec ts[2] = {t2, t1};
    long r = ::futimens(fd, ts);
    ::close(fd);
    return r;
  });
  // Only names whose mtime was set explicitly are compared with times.
  for (const std::string rel : {"file", "dirlnk", "fifo", "file2", "nobodydir/own", "exe"}) {
    struct stat a = lstat_of(P(rel)), b = lstat_of(L(rel));
    EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec) << rel;
    EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec) << rel;
    if (rel != "file2") {  // file2 kept its own atime (UTIME_OMIT)
      EXPECT_EQ(a.st_atim.tv_sec, b.st_atim.tv_sec) << rel;
      EXPECT_EQ(a.st_atim.tv_nsec, b.st_atim.tv_nsec) << rel;
    }
    struct stat c = lstat_of(pool.on_branch(0, rel));
    EXPECT_EQ(c.st_mtim.tv_nsec, b.st_mtim.tv_nsec) << rel << " on branch 0";
  }
  struct stat d = lstat_of(P("d"));
  EXPECT_EQ(d.st_mtim.tv_sec, t1.tv_sec);
  EXPECT_EQ(d.st_mtim.tv_nsec, t1.tv_nsec);
  EXPECT_EQ(lstat_of(P("xf")).st_atim.tv_nsec, t1.tv_nsec);
  expect_same_tree();
}

TEST_P(NamespaceOps, XattrsMatchPlainDirectory) {
  expect("setxattr new", 0, setxattr_fn("file", "user.new", "value"));
  expect("setxattr replace", 0, setxattr_fn("xf", "user.a", "22"));
  expect("setxattr empty value", 0, setxattr_fn("xf", "user.empty", ""));
  expect("setxattr a dir", 0, setxattr_fn("d", "user.dir", "on a dir"));
  expect("setxattr the root", 0, setxattr_fn("", "user.root", "on the root"));
  expect("setxattr through a symlink", 0, setxattr_fn("lnk", "user.via", "link"));
  expect("setxattr XATTR_CREATE on an existing name", EEXIST,
         setxattr_fn("xf", "user.a", "3", XATTR_CREATE));
  expect("setxattr XATTR_CREATE", 0, setxattr_fn("xf", "user.b", "3", XATTR_CREATE));
  expect("setxattr XATTR_REPLACE on a missing name", ENODATA,
         setxattr_fn("xf", "user.zzz", "3", XATTR_REPLACE));
  expect("setxattr XATTR_REPLACE", 0, setxattr_fn("xf", "user.b", "4", XATTR_REPLACE));
  expect("lsetxattr user.* on a symlink", EPERM, setxattr_fn("lnk", "user.x", "1", 0, false));
  expect("setxattr user.* on a fifo", EPERM, setxattr_fn("fifo", "user.x", "1"));
  expect("setxattr trusted.* as root", 0, setxattr_fn("file", "trusted.t", "root only"));
  expect("setxattr with no namespace", EOPNOTSUPP, setxattr_fn("file", "plain", "1"));
  expect("setxattr a missing name", ENOENT, setxattr_fn("missing", "user.x", "1"));
  expect("setxattr below a file", ENOTDIR, setxattr_fn("file/x", "user.x", "1"));
  expect("removexattr", 0, removexattr_fn("xf", "user.empty"));
  expect("removexattr a missing attr", ENODATA, removexattr_fn("xf", "user.empty"));
  expect("removexattr on a dir", 0, removexattr_fn("d", "user.dir"));
  expect("removexattr a missing name", ENOENT, removexattr_fn("missing", "user.a"));
  expect("setxattr on root's 0644 file", EACCES, setxattr_fn("pub/rootfile", "user.x", "1"),
         kNobodyUser);
  expect("setxattr on root's 0666 file", 0, setxattr_fn("pub/shared", "user.x", "1"),
         kNobodyUser);
  expect("setxattr trusted.*", EPERM, setxattr_fn("nobodydir/own", "trusted.x", "1"),
         kNobodyUser);
  expect("setxattr on own file", 0, setxattr_fn("nobodydir/own", "user.mine", "yes"),
         kNobodyUser);
  expect("removexattr on root's 0644 file", EACCES, removexattr_fn("xf", "user.a"), kNobodyUser);
  expect("removexattr on own file", 0, removexattr_fn("nobodydir/own", "user.mine"),
         kNobodyUser);
  expect_same_tree();
  char buf[64];
  ssize_t n = ::getxattr(pool.on_branch(0, "file").c_str(), "trusted.t", buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "root only");
}

TEST_P(NamespaceOps, WriteMatchesPlainDirectory) {
  expect("write over the start", 0, open_fn("file", O_WRONLY, 0, "CON"));
  expect("append", 0, open_fn("file2", O_WRONLY | O_APPEND, 0, "appended\n"));
  expect("O_TRUNC then write", 0, open_fn("xf", O_WRONLY | O_TRUNC, 0, "new content"));
  expect("pwrite past the end leaves a hole", 0, [](const std::string& b) -> long {
    int fd = ::open((b + "/exe").c_str(), O_WRONLY);
    if (fd < 0) return -1;
    long r = ::pwrite(fd, "tail", 4, 70000);
    ::close(fd);
    return r;
  });
  expect("write through a hard link", 0, open_fn("hard2", O_WRONLY | O_APPEND, 0, "via 2\n"));
  expect("write on a O_RDONLY fd", EBADF, [](const std::string& b) -> long {
    int fd = ::open((b + "/file").c_str(), O_RDONLY);
    if (fd < 0) return -1;
    long r = ::write(fd, "x", 1);
    int e = errno;
    ::close(fd);
    errno = e;
    return r;
  });
  expect("write a 0666 file", 0, open_fn("pub/shared", O_WRONLY | O_APPEND, 0, "by nobody\n"),
         kNobodyUser);
  expect("write a setuid 04777 file (S_ISUID cleared)", 0,
         open_fn("pub/suid", O_WRONLY | O_APPEND, 0, "echo\n"), kNobodyUser);
  expect("write a setgid-exec 02777 file (S_ISGID cleared)", 0,
         open_fn("pub/sgid", O_WRONLY | O_APPEND, 0, "echo\n"), kNobodyUser);
  expect_same_tree();
  EXPECT_EQ(read_file(P("file")), "CONtents\n");
  EXPECT_EQ(read_file(P("hard1")), "two names\nvia 2\n");
  EXPECT_EQ(lstat_of(P("pub/suid")).st_mode & 07777, 0777u);
  EXPECT_EQ(lstat_of(P("pub/sgid")).st_mode & 07777, 0777u);
}

}  // namespace
}  // namespace mfs::test::nsops
