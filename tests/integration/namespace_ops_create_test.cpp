// Namespace operations that make a name, compared with a plain directory (outcome, errno and
// the whole tree), as root and as nobody: create, mkdir, mknod, symlink, link.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/namespace_ops_fixture.hpp"

namespace mfs::test::nsops {
namespace {

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

}  // namespace
}  // namespace mfs::test::nsops
