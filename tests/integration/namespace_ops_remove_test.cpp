// Namespace operations that remove or move a name, compared with a plain directory: unlink (and
// an unlinked open file), rmdir, rename, and RENAME_EXCHANGE refused on the pool.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/namespace_ops_fixture.hpp"

namespace mfs::test::nsops {
namespace {

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

}  // namespace
}  // namespace mfs::test::nsops
