// Read-only ops on the pool vs a plain directory: open and its errors, read, pread.
#include <gtest/gtest.h>

#include "tests/integration/readonly_ops_fixture.hpp"

namespace mfs::test::readonly {
namespace {

TEST_P(ReadOnlyOps, ReadWholeFilesMatchesPlainDirectory) {
  for (const std::string& rel : Names{"file_a",
                                      "empty",
                                      "big",
                                      "exe",
                                      "secret",
                                      "suid",
                                      "owned",
                                      "hard2",
                                      "xfile",
                                      "link_rel",
                                      "dup",
                                      "only1",
                                      "mixed/inside",
                                      "shared/from0",
                                      "shared/from1",
                                      "shared/from2",
                                      "shared/b1file",
                                      "shared/only1/deep",
                                      "shared/link_up",
                                      "private/inner",
                                      "private/link",
                                      "dironly1/f",
                                      "fileshadowsdir",
                                      kName255.c_str()}) {
    auto a = read_all(P(rel)), b = read_all(L(rel));
    expect_same(a.open, b.open, "open " + rel.substr(0, 30));
    expect_same(a.read, b.read, "last read " + rel.substr(0, 30));
    EXPECT_TRUE(a.data == b.data) << "contents of " << rel.substr(0, 30) << ": pool "
                                  << a.data.size() << " bytes, plain " << b.data.size();
  }
  EXPECT_EQ(read_file(P("big")), big);
  EXPECT_EQ(read_file(P("dup")), "first-branch");
}

TEST_P(ReadOnlyOps, PreadAtOffsetsAndPastEof) {
  const off_t n = static_cast<off_t>(kBigSize);
  for (auto [off, len] : std::vector<std::pair<off_t, size_t>>{{0, 1},
                                                               {1, 10},
                                                               {4095, 2},
                                                               {4096, 4096},
                                                               {65539, 70000},
                                                               {131072, 131072},
                                                               {n - 1, 10},
                                                               {n, 10},
                                                               {n + 100, 10},
                                                               {0, kBigSize + 1000},
                                                               {12345, 0}})
    expect_same_read("big", off, len);
  expect_same_read("file_a", 6, 100);
  expect_same_read("file_a", 22, 5);    // exactly at EOF
  expect_same_read("file_a", 1000, 5);  // past EOF
  expect_same_read("empty", 0, 10);
  expect_same_read("dup", 3, 100);
  // A negative offset is EINVAL in both.
  expect_same_read("file_a", -1, 5);
}

TEST_P(ReadOnlyOps, ReadingADirectoryIsEISDIR) {
  for (const std::string& rel : Names{"", "shared", "mixed", "link_dir", "dironly1"}) {
    expect_same_read(rel, 0, 100);
    auto a = read_at(P(rel), 0, 100);
    EXPECT_EQ(a.open.ret >= 0, true) << rel;
    EXPECT_EQ(a.read.err, EISDIR) << rel;
    auto b = read_all(P(rel));
    auto c = read_all(L(rel));
    expect_same(b.read, c.read, "read() on directory " + rel);
  }
}

TEST_P(ReadOnlyOps, OpenErrorsMatchPlainDirectory) {
  struct Case {
    std::string rel;
    int flags;
  };
  for (const Case& c : std::vector<Case>{{"missing", O_RDONLY},
                                         {"nodir/x", O_RDONLY},
                                         {"shared/missing", O_RDONLY},
                                         {"file_a/x", O_RDONLY},
                                         {"file_a/", O_RDONLY},
                                         {"file_a", O_RDONLY | O_DIRECTORY},
                                         {"link_rel", O_RDONLY | O_DIRECTORY},
                                         {"link_rel", O_RDONLY | O_NOFOLLOW},
                                         {"link_dir", O_RDONLY | O_DIRECTORY},
                                         {"dangling", O_RDONLY},
                                         {"shared", O_RDONLY | O_DIRECTORY},
                                         {"fileshadowsdir/x", O_RDONLY},
                                         {"mixed/inside/x", O_RDONLY}}) {
    Outcome a = sys([&] {
      int fd = ::open(P(c.rel).c_str(), c.flags);
      if (fd >= 0) ::close(fd);
      return fd < 0 ? -1L : 0L;
    });
    Outcome b = sys([&] {
      int fd = ::open(L(c.rel).c_str(), c.flags);
      if (fd >= 0) ::close(fd);
      return fd < 0 ? -1L : 0L;
    });
    expect_same(a, b, "open " + c.rel + " flags=0" + std::to_string(c.flags));
  }
}

}  // namespace
}  // namespace mfs::test::readonly
