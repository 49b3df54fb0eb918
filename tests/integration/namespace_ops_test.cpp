// Every namespace operation compared with the same syscall on a plain directory holding the same
// tree: return value, errno and effect (the whole tree compared after each group), error paths
// included, as root and as an unprivileged user. The pool uses category.create=ff, so every new
// object must land on branch 0, which holds the tree: branch 0 must end up equal to the plain
// directory and the other branches empty.
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

namespace mfs::test {
namespace {

using Fn = std::function<long(const std::string& base)>;

std::string at(const std::string& base, const std::string& rel) {
  return rel.empty() ? base : base + "/" + rel;
}

long closed(int fd) {
  if (fd < 0) return -1;
  ::close(fd);
  return 0;
}

long rename2(const std::string& from, const std::string& to, unsigned flags) {
  return ::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags);
}

void must(int r, const std::string& what) {
  if (r < 0) ADD_FAILURE() << what << ": " << std::strerror(errno);
}

const std::string kName255(255, 'l');
const std::string kName256(256, 'n');

// The tree every test starts from, built the same way under `r` (branch 0 and the plain dir).
void build_base(const std::string& r) {
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

Fn open_fn(const std::string& rel, int flags, mode_t mode = 0644, const std::string& data = "") {
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
Fn mkdir_fn(const std::string& rel, mode_t mode = 0755) {
  return [=](const std::string& b) -> long { return ::mkdir(at(b, rel).c_str(), mode); };
}
Fn mknod_fn(const std::string& rel, mode_t mode, dev_t dev = 0) {
  return [=](const std::string& b) -> long { return ::mknod(at(b, rel).c_str(), mode, dev); };
}
Fn symlink_fn(const std::string& target, const std::string& rel) {
  return [=](const std::string& b) -> long { return ::symlink(target.c_str(), at(b, rel).c_str()); };
}
Fn link_fn(const std::string& from, const std::string& to, int flags = 0) {
  return [=](const std::string& b) -> long {
    return ::linkat(AT_FDCWD, at(b, from).c_str(), AT_FDCWD, at(b, to).c_str(), flags);
  };
}
Fn unlink_fn(const std::string& rel) {
  return [=](const std::string& b) -> long { return ::unlink(at(b, rel).c_str()); };
}
Fn rmdir_fn(const std::string& rel) {
  return [=](const std::string& b) -> long { return ::rmdir(at(b, rel).c_str()); };
}
Fn rename_fn(const std::string& from, const std::string& to, unsigned flags = 0) {
  return [=](const std::string& b) -> long { return rename2(at(b, from), at(b, to), flags); };
}
Fn chmod_fn(const std::string& rel, mode_t mode, int flags = 0) {
  return [=](const std::string& b) -> long {
    return ::fchmodat(AT_FDCWD, at(b, rel).c_str(), mode, flags);
  };
}
Fn chown_fn(const std::string& rel, uid_t u, gid_t g, int flags = 0) {
  return [=](const std::string& b) -> long {
    return ::fchownat(AT_FDCWD, at(b, rel).c_str(), u, g, flags);
  };
}
Fn truncate_fn(const std::string& rel, off_t size) {
  return [=](const std::string& b) -> long { return ::truncate(at(b, rel).c_str(), size); };
}
Fn utimens_fn(const std::string& rel, timespec a, timespec m, int flags = 0) {
  return [=](const std::string& b) -> long {
    timespec ts[2] = {a, m};
    return ::utimensat(AT_FDCWD, at(b, rel).c_str(), ts, flags);
  };
}
Fn utimes_now_fn(const std::string& rel) {
  return [=](const std::string& b) -> long {
    return ::utimensat(AT_FDCWD, at(b, rel).c_str(), nullptr, 0);
  };
}
Fn setxattr_fn(const std::string& rel, const std::string& name, const std::string& value,
               int flags = 0, bool follow = true) {
  return [=](const std::string& b) -> long {
    return follow ? ::setxattr(at(b, rel).c_str(), name.c_str(), value.data(), value.size(), flags)
                  : ::lsetxattr(at(b, rel).c_str(), name.c_str(), value.data(), value.size(),
                                flags);
  };
}
Fn removexattr_fn(const std::string& rel, const std::string& name, bool follow = true) {
  return [=](const std::string& b) -> long {
    return follow ? ::removexattr(at(b, rel).c_str(), name.c_str())
                  : ::lremovexattr(at(b, rel).c_str(), name.c_str());
  };
}

constexpr bool kNobodyUser = true;

// ---------------------------------------------------------------------------------------------

TEST_P(NamespaceOps, CreateMatchesPlainDirectory) {
  const int C = O_CREAT | O_WRONLY;
  expect("create new", 0, open_fn("new", C, 0640, "hello"));
  expect("create in subdir", 0, open_fn("d/new", C | O_EXCL, 0600, "below d"));
  expect("create 255-char name", 0, open_fn(kName255, C, 0644, "long name"));
  expect("O_EXCL on a file", EEXIST, open_fn("file", C | O_EXCL));
  expect("O_CREAT on an existing file opens it", 0, open_fn("file2", C | O_APPEND, 0600, "+more"));
  expect("O_CREAT|O_TRUNC on an existing file", 0, open_fn("exe", C | O_TRUNC, 0600, "short"));
  expect("O_EXCL on a dangling symlink", EEXIST, open_fn("dangling", C | O_EXCL));
  expect("O_CREAT through a dangling symlink creates its target", 0,
         open_fn("dangling", C, 0604, "made via link"));
  expect("O_CREAT through a symlinked dir", 0, open_fn("dirlnk/vialink", C, 0644, "via dirlnk"));
  expect("O_CREAT on a symlink loop", ELOOP, open_fn("loop", C));
  expect("O_CREAT below a symlink loop", ELOOP, open_fn("loop/x", C));
  expect("O_CREAT in a missing dir", ENOENT, open_fn("missing/x", C));
  expect("O_CREAT below a file", ENOTDIR, open_fn("file/x", C));
  expect("O_CREAT on a directory", EISDIR, open_fn("d", C));
  expect("O_CREAT with a trailing slash", EISDIR, open_fn("d/newdir/", C));
  expect("O_CREAT 256-char name", ENAMETOOLONG, open_fn(kName256, C));
  expect("O_CREAT 256-char name in subdir", ENAMETOOLONG, open_fn("d/" + kName256, C));
  expect("O_CREAT|O_EXCL|O_RDWR", 0, open_fn("rdwr", O_CREAT | O_EXCL | O_RDWR, 0666, "rw"));
  expect("mode 0", 0, open_fn("mode0", O_CREAT | O_EXCL | O_RDONLY, 0));
  expect("mode with setuid", 0, open_fn("suidnew", C, 04755));
  // As nobody.
  expect("create in a root 0755 dir", EACCES, open_fn("priv/x", C), kNobodyUser);
  expect("create in the root", EACCES, open_fn("x", C), kNobodyUser);
  expect("create below a root 0700 dir", EACCES, open_fn("closed/x", C), kNobodyUser);
  expect("create in a 0777 dir", 0, open_fn("pub/bynobody", C, 0644, "by nobody"), kNobodyUser);
  expect("create in an own dir", 0, open_fn("nobodydir/n", C, 0600, "mine"), kNobodyUser);
  expect("create in a setgid dir (group inherited)", 0, open_fn("sgiddir/f", C, 0640),
         kNobodyUser);
  expect("create 02755 in a setgid dir of a foreign group (S_ISGID dropped)", 0,
         open_fn("sgiddir/g", C, 02755), kNobodyUser);
  expect("open a root 0644 file for writing", EACCES, open_fn("pub/rootfile", O_WRONLY),
         kNobodyUser);
  expect("O_EXCL on an existing file", EEXIST, open_fn("pub/shared", C | O_EXCL), kNobodyUser);
  expect("create in a 0777 dir below a root 0755 dir", 0, open_fn("priv/sub/y", C),
         kNobodyUser);
  expect_same_tree();
}

TEST_P(NamespaceOps, MkdirMatchesPlainDirectory) {
  expect("mkdir", 0, mkdir_fn("newdir"));
  expect("mkdir 0700", 0, mkdir_fn("d/private", 0700));
  expect("mkdir 01777 (sticky kept)", 0, mkdir_fn("d/tmp", 01777));
  expect("mkdir 0", 0, mkdir_fn("d/zero", 0));
  expect("mkdir trailing slash", 0, mkdir_fn("d/slash/"));
  expect("mkdir 255-char name", 0, mkdir_fn(kName255));
  expect("mkdir through a symlinked dir", 0, mkdir_fn("dirlnk/vialink"));
  expect("mkdir on a dir", EEXIST, mkdir_fn("d"));
  expect("mkdir on a file", EEXIST, mkdir_fn("file"));
  expect("mkdir on a dangling symlink", EEXIST, mkdir_fn("dangling"));
  expect("mkdir below a symlink loop", ELOOP, mkdir_fn("loop/x"));
  expect("mkdir in a missing dir", ENOENT, mkdir_fn("missing/x"));
  expect("mkdir below a file", ENOTDIR, mkdir_fn("file/x"));
  expect("mkdir 256-char name", ENAMETOOLONG, mkdir_fn(kName256));
  expect("mkdir the root", EEXIST, mkdir_fn(""));
  expect("mkdir in a root dir", EACCES, mkdir_fn("priv/x"), kNobodyUser);
  expect("mkdir in a 0777 dir", 0, mkdir_fn("pub/nd", 0775), kNobodyUser);
  expect("mkdir in a setgid dir (gid and S_ISGID inherited)", 0, mkdir_fn("sgiddir/sd", 0750),
         kNobodyUser);
  expect("mkdir in a sticky dir", 0, mkdir_fn("sticky/nd"), kNobodyUser);
  expect("mkdir on an existing name", EEXIST, mkdir_fn("pub/rootdir"), kNobodyUser);
  expect_same_tree();
}

TEST_P(NamespaceOps, MknodMatchesPlainDirectory) {
  expect("mkfifo", 0, mknod_fn("newfifo", S_IFIFO | 0640));
  expect("mknod socket", 0, mknod_fn("sock", S_IFSOCK | 0755));
  expect("mknod regular file", 0, mknod_fn("regular", S_IFREG | 0600));
  expect("mknod type 0 is a regular file", 0, mknod_fn("regular0", 0644));
  // A device: root may make one (or, in a container without CAP_MKNOD, may not: same errno).
  same("mknod char device 1:3", mknod_fn("null", S_IFCHR | 0666, makedev(1, 3)));
  same("mknod block device 7:0", mknod_fn("blk", S_IFBLK | 0600, makedev(7, 0)));
  expect("mknod S_IFDIR", EPERM, mknod_fn("dirnode", S_IFDIR | 0755));
  expect("mknod on a file", EEXIST, mknod_fn("file", S_IFIFO | 0644));
  expect("mknod on a dangling symlink", EEXIST, mknod_fn("dangling", S_IFIFO | 0644));
  expect("mknod in a missing dir", ENOENT, mknod_fn("missing/f", S_IFIFO | 0644));
  expect("mknod below a file", ENOTDIR, mknod_fn("file/f", S_IFIFO | 0644));
  expect("mknod below a loop", ELOOP, mknod_fn("loop/f", S_IFIFO | 0644));
  expect("mknod 256-char name", ENAMETOOLONG, mknod_fn(kName256, S_IFIFO | 0644));
  expect("mkfifo in a 0777 dir", 0, mknod_fn("pub/fifo", S_IFIFO | 0666), kNobodyUser);
  expect("mknod socket in a 0777 dir", 0, mknod_fn("pub/sock", S_IFSOCK | 0700), kNobodyUser);
  expect("mkfifo in a root dir", EACCES, mknod_fn("priv/fifo", S_IFIFO | 0666), kNobodyUser);
  expect("mknod char device", EPERM, mknod_fn("pub/null", S_IFCHR | 0666, makedev(1, 3)),
         kNobodyUser);
  expect_same_tree();
  struct stat st = lstat_of(P("sock"));
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  st = lstat_of(pool.on_branch(0, "newfifo"));
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_P(NamespaceOps, SymlinkMatchesPlainDirectory) {
  const std::string target4095(4095, 't');
  expect("symlink relative", 0, symlink_fn("file", "sl_rel"));
  expect("symlink absolute", 0, symlink_fn("/etc/passwd", "sl_abs"));
  expect("symlink dangling", 0, symlink_fn("no/such/thing", "d/sl_dangling"));
  expect("symlink to a dir", 0, symlink_fn("../full", "d/sl_dir"));
  expect("symlink with a 4095-char target", 0, symlink_fn(target4095, "sl_long"));
  expect("symlink 255-char name", 0, symlink_fn("file", kName255));
  expect("symlink with a 4096-char target", ENAMETOOLONG,
         symlink_fn(std::string(4096, 't'), "sl_toolong"));
  expect("symlink with an empty target", ENOENT, symlink_fn("", "sl_empty"));
  expect("symlink on a file", EEXIST, symlink_fn("x", "file"));
  expect("symlink on a dangling symlink", EEXIST, symlink_fn("x", "dangling"));
  expect("symlink on a dir", EEXIST, symlink_fn("x", "d"));
  expect("symlink in a missing dir", ENOENT, symlink_fn("x", "missing/s"));
  expect("symlink below a file", ENOTDIR, symlink_fn("x", "file/s"));
  expect("symlink below a loop", ELOOP, symlink_fn("x", "loop/s"));
  expect("symlink 256-char name", ENAMETOOLONG, symlink_fn("x", kName256));
  expect("symlink in a 0777 dir", 0, symlink_fn("rootfile", "pub/sl"), kNobodyUser);
  expect("symlink in a root dir", EACCES, symlink_fn("f", "priv/sl"), kNobodyUser);
  expect_same_tree();
  // The targets read back verbatim through the pool.
  char buf[PATH_MAX + 1];
  ssize_t n = ::readlink(P("sl_long").c_str(), buf, sizeof buf);
  ASSERT_EQ(n, 4095);
  EXPECT_EQ(std::string(buf, 4095), target4095);
  EXPECT_EQ(read_file(P("sl_rel")), "contents\n");
  EXPECT_EQ(read_file(P("d/sl_dir/x")), "x\n");
}

TEST_P(NamespaceOps, LinkMatchesPlainDirectory) {
  expect("link a file", 0, link_fn("file", "file_link"));
  expect("link into a subdir", 0, link_fn("file2", "d/file2_link"));
  expect("link a third name", 0, link_fn("hard1", "d/hard3"));
  expect("link a symlink (the link itself)", 0, link_fn("lnk", "lnk_link"));
  expect("link following a symlink", 0, link_fn("lnk", "lnk_followed", AT_SYMLINK_FOLLOW));
  expect("link a fifo", 0, link_fn("fifo", "fifo_link"));
  expect("link 255-char name", 0, link_fn("file", kName255));
  expect("link onto an existing name", EEXIST, link_fn("file", "file2"));
  expect("link onto a dangling symlink", EEXIST, link_fn("file", "dangling"));
  expect("link a missing source", ENOENT, link_fn("missing", "m2"));
  expect("link a directory", EPERM, link_fn("d", "d_link"));
  expect("link into a missing dir", ENOENT, link_fn("file", "missing/x"));
  expect("link below a file", ENOTDIR, link_fn("file", "file/x"));
  expect("link below a loop", ELOOP, link_fn("file", "loop/x"));
  expect("link 256-char name", ENAMETOOLONG, link_fn("file", kName256));
  expect("link an own file", 0, link_fn("nobodydir/own", "nobodydir/own2"), kNobodyUser);
  expect("link an own file into a 0777 dir", 0, link_fn("nobodydir/own", "pub/own3"),
         kNobodyUser);
  // fs.protected_hardlinks: a file the caller neither owns nor may read and write.
  same("link a root 0644 file", link_fn("pub/rootfile", "pub/stolen"), kNobodyUser);
  expect("link into a root dir", EACCES, link_fn("nobodydir/own", "priv/own"), kNobodyUser);
  expect_same_tree();
  // Link counts and identity through the pool.
  struct stat a = lstat_of(P("file")), b = lstat_of(P("file_link"));
  EXPECT_EQ(a.st_nlink, 4u);  // file, file_link, lnk_followed, the 255-char name
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(lstat_of(P("lnk_followed")).st_ino, a.st_ino);
  EXPECT_EQ(lstat_of(P("hard2")).st_nlink, 3u);
  EXPECT_EQ(lstat_of(P("nobodydir/own")).st_nlink, 3u);
}

TEST_P(NamespaceOps, UnlinkMatchesPlainDirectory) {
  expect("unlink a file", 0, unlink_fn("file"));
  expect("unlink a symlink (not its target)", 0, unlink_fn("lnk"));
  expect("unlink a dangling symlink", 0, unlink_fn("dangling"));
  expect("unlink a fifo", 0, unlink_fn("fifo"));
  expect("unlink one of two hard links", 0, unlink_fn("hard1"));
  expect("unlink 255-char missing name", ENOENT, unlink_fn(kName255));
  expect("unlink again", ENOENT, unlink_fn("file"));
  expect("unlink a dir", EISDIR, unlink_fn("d"));
  expect("unlink a symlink to a dir with a slash", ENOTDIR, unlink_fn("dirlnk/"));
  expect("unlink below a file", ENOTDIR, unlink_fn("file2/x"));
  expect("unlink below a loop", ELOOP, unlink_fn("loop/x"));
  expect("unlink in a missing dir", ENOENT, unlink_fn("missing/x"));
  expect("unlink 256-char name", ENAMETOOLONG, unlink_fn(kName256));
  expect("unlink in a root dir", EACCES, unlink_fn("priv/f"), kNobodyUser);
  expect("unlink root's file in a sticky dir", EPERM, unlink_fn("sticky/rootfile"), kNobodyUser);
  expect("unlink own file in a sticky dir", 0, unlink_fn("sticky/nobodyfile"), kNobodyUser);
  expect("unlink root's file in a 0777 dir", 0, unlink_fn("pub/rootfile"), kNobodyUser);
  expect_same_tree();
  EXPECT_EQ(lstat_of(P("hard2")).st_nlink, 1u);
}

TEST_P(NamespaceOps, UnlinkedOpenFileKeepsWorking) {
  // Open, unlink, then use the descriptor: read, write, fstat, fchmod, ftruncate.
  auto fn = [](const std::string& b) -> long {
    int fd = ::open((b + "/file2").c_str(), O_RDWR);
    if (fd < 0) return -1;
    if (::unlink((b + "/file2").c_str()) < 0) return -100;
    if (::pwrite(fd, "XY", 2, 0) != 2) return -101;
    char buf[64] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    struct stat st {};
    if (::fstat(fd, &st) < 0) return -102;
    if (::fchmod(fd, 0600) < 0) return -103;
    if (::ftruncate(fd, 4) < 0) return -104;
    struct stat st2 {};
    ::fstat(fd, &st2);
    ::close(fd);
    // Encode what was observed: bytes read, the first two bytes, nlink, size after truncate.
    return n * 1000000 + (buf[0] == 'X' && buf[1] == 'Y') * 100000 +
           static_cast<long>(st.st_nlink) * 1000 + st2.st_size * 10 + ((st2.st_mode & 0777) == 0600);
  };
  Outcome o = same("open, unlink, use the fd", fn);
  EXPECT_EQ(o.ret, 12 * 1000000 + 100000 + 0 + 40 + 1);
  expect_same_tree();
}

TEST_P(NamespaceOps, RmdirMatchesPlainDirectory) {
  expect("rmdir an empty dir", 0, rmdir_fn("empty"));
  expect("rmdir with a trailing slash", 0, rmdir_fn("empty2/"));
  expect("rmdir again", ENOENT, rmdir_fn("empty"));
  expect("rmdir a non-empty dir", ENOTEMPTY, rmdir_fn("full"));
  expect("rmdir a file", ENOTDIR, rmdir_fn("file"));
  expect("rmdir a symlink to a dir", ENOTDIR, rmdir_fn("dirlnk"));
  expect("rmdir '.'", EINVAL, rmdir_fn("d/."));
  expect("rmdir '..'", ENOTEMPTY, rmdir_fn("d/.."));
  expect("rmdir below a file", ENOTDIR, rmdir_fn("file/x"));
  expect("rmdir below a loop", ELOOP, rmdir_fn("loop/x"));
  expect("rmdir 256-char name", ENAMETOOLONG, rmdir_fn(kName256));
  expect("rmdir in a missing dir", ENOENT, rmdir_fn("missing/x"));
  expect("rmdir in a root dir", EACCES, rmdir_fn("priv/sub"), kNobodyUser);
  expect("rmdir root's dir in a sticky dir", EPERM, rmdir_fn("sticky/rootdir"), kNobodyUser);
  expect("rmdir root's dir in a 0777 dir", 0, rmdir_fn("pub/rootdir"), kNobodyUser);
  expect_same_tree();
}

TEST_P(NamespaceOps, RenameMatchesPlainDirectory) {
  expect("rename within a dir", 0, rename_fn("file", "renamed"));
  expect("rename across dirs", 0, rename_fn("renamed", "d/moved"));
  expect("rename over an existing file", 0, rename_fn("file2", "exe"));
  expect("rename a dir over an empty dir", 0, rename_fn("full", "empty"));
  expect("rename a dir over a non-empty dir", ENOTEMPTY, rename_fn("empty2", "d"));
  expect("rename a file over a dir", EISDIR, rename_fn("xf", "empty2"));
  expect("rename a dir over a file", ENOTDIR, rename_fn("empty2", "xf"));
  expect("rename a dir into itself", EINVAL, rename_fn("d", "d/inside"));
  expect("rename a symlink", 0, rename_fn("lnk", "d/lnk"));
  expect("rename a dangling symlink over a file", 0, rename_fn("dangling", "d/moved"));
  expect("rename a fifo", 0, rename_fn("fifo", "dst/fifo"));
  expect("rename a dir across dirs", 0, rename_fn("empty2", "dst/sub/e2"));
  expect("rename one hard link onto the other (no-op)", 0, rename_fn("hard1", "hard2"));
  expect("rename onto itself", 0, rename_fn("xf", "xf"));
  expect("rename to a 255-char name", 0, rename_fn("xf", kName255));
  expect("rename to a 256-char name", ENAMETOOLONG, rename_fn(kName255, kName256));
  expect("rename a missing name", ENOENT, rename_fn("missing", "x"));
  expect("rename into a missing dir", ENOENT, rename_fn("exe", "missing/x"));
  expect("rename below a file", ENOTDIR, rename_fn("exe", "hard2/x"));
  expect("rename below a loop", ELOOP, rename_fn("exe", "loop/x"));
  expect("RENAME_NOREPLACE onto an existing name", EEXIST,
         rename_fn("exe", "hard2", RENAME_NOREPLACE));
  expect("RENAME_NOREPLACE onto a missing name", 0,
         rename_fn("exe", "exe2", RENAME_NOREPLACE));
  expect("RENAME_NOREPLACE onto a dir", EEXIST, rename_fn("dst", "d", RENAME_NOREPLACE));
  expect("rename in a root dir", EACCES, rename_fn("priv/f", "priv/g"), kNobodyUser);
  expect("rename out of a root dir", EACCES, rename_fn("priv/f", "pub/f"), kNobodyUser);
  expect("rename root's file in a sticky dir", EPERM,
         rename_fn("sticky/rootfile", "sticky/mine"), kNobodyUser);
  expect("rename own file in a sticky dir", 0, rename_fn("sticky/nobodyfile", "sticky/mine"),
         kNobodyUser);
  expect("rename root's 0666 file from a 0777 dir into own dir", 0, rename_fn("pub/shared", "nobodydir/shared"),
         kNobodyUser);
  expect("rename a dir of root's in a 0777 dir (needs write on it for ..)", EACCES,
         rename_fn("pub/rootdir", "nobodydir/rootdir"), kNobodyUser);
  expect_same_tree();
}

TEST_P(NamespaceOps, RenameExchangeIsEinvalOnThePool) {
  // A plain directory exchanges; the pool documents EINVAL (FEATURES.md §4.2 and the issue),
  // and nothing changes.
  std::string before = describe_tree(pool.mnt());
  Outcome o = sys([&] { return rename2(P("file"), P("file2"), RENAME_EXCHANGE); });
  EXPECT_EQ(o.err, EINVAL) << describe(o);
  o = sys([&] { return rename2(P("d"), P("file"), RENAME_EXCHANGE); });
  EXPECT_EQ(o.err, EINVAL) << describe(o);
  o = sys([&] { return rename2(P("file"), P("missing"), RENAME_EXCHANGE); });
  EXPECT_EQ(o.err, ENOENT) << describe(o);  // the kernel: nothing to exchange with
  o = sys([&] { return rename2(P("file"), P("file2"), RENAME_EXCHANGE | RENAME_NOREPLACE); });
  EXPECT_EQ(o.err, EINVAL) << describe(o);
  EXPECT_EQ(describe_tree(pool.mnt()), before);
  EXPECT_EQ(read_file(P("file")), "contents\n");
}

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

INSTANTIATE_TEST_SUITE_P(
    Namespace, NamespaceOps,
    ::testing::Values(std::string(),  // the fixture defaults (cache.files=off)
                      std::string(",cache.files=full,cache.attr=10,cache.entry=10,"
                                  "cache.negative-entry=10")),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param.empty() ? std::string("Defaults") : std::string("KernelCaches");
    });

}  // namespace
}  // namespace mfs::test
