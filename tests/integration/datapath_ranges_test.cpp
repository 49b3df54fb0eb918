// The data path on byte ranges: fallocate (every mode, against the branch's own answer),
// copy_file_range on one branch and across branches, lseek SEEK_DATA/SEEK_HOLE against tmpfs.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/integration/datapath_fixture.hpp"

namespace mfs::test::datapath {
namespace {

TEST_F(DataPath, FallocateEveryModeAsTheBranchDoes) {
  struct Mode {
    const char* name;
    int mode;
  };
  const Mode modes[] = {{"0", 0},
                        {"KEEP_SIZE", FALLOC_FL_KEEP_SIZE},
                        {"PUNCH_HOLE|KEEP_SIZE", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE},
                        {"PUNCH_HOLE", FALLOC_FL_PUNCH_HOLE},
                        {"ZERO_RANGE", FALLOC_FL_ZERO_RANGE},
                        {"ZERO_RANGE|KEEP_SIZE", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE},
                        {"COLLAPSE_RANGE", FALLOC_FL_COLLAPSE_RANGE},
                        {"INSERT_RANGE", FALLOC_FL_INSERT_RANGE},
                        {"UNSHARE_RANGE", FALLOC_FL_UNSHARE_RANGE}};
  const std::pair<off_t, off_t> ranges[] = {{0, 4096},        {4096, 8192}, {100, 50},
                                            {65536, 1 << 20}, {0, 0},       {-1, 10}};
  const std::string data = random_bytes(3 * 65536 + 123, 7);
  int supported = 0, n = 0;
  for (const auto& m : modes)
    for (auto [off, len] : ranges) {
      std::string label =
          std::string(m.name) + " off=" + std::to_string(off) + " len=" + std::to_string(len);
      std::string name = "fa" + std::to_string(n++);
      struct Side {
        Outcome o;
        struct stat st {};
        std::string content;
      } side[2];
      for (int i = 0; i < 2; ++i) {
        std::string path = i ? P(name) : L(name);
        write_file(path, data);
        int fd = ::open(path.c_str(), O_RDWR);
        ASSERT_GE(fd, 0) << path;
        side[i].o = sys([&] { return ::fallocate(fd, m.mode, off, len); });
        ::fstat(fd, &side[i].st);
        side[i].content = pread_all(fd, 2 << 20, 0);
        ::close(fd);
      }
      if (side[0].o.ret == 0) ++supported;
      EXPECT_TRUE(side[1].o == side[0].o)
          << label << ": pool " << describe(side[1].o) << ", tmpfs " << describe(side[0].o);
      EXPECT_EQ(side[1].st.st_size, side[0].st.st_size) << label;
      EXPECT_EQ(side[1].st.st_blocks, side[0].st.st_blocks) << label << " (allocated blocks)";
      EXPECT_TRUE(side[1].content == side[0].content) << label << ": contents differ";
    }
  EXPECT_GE(supported, 6) << "modes 0, KEEP_SIZE and PUNCH_HOLE work on tmpfs";
}

TEST_F(DataPath, CopyFileRangeOnOneBranchAndAcrossBranches) {
  const std::string src = random_bytes(1 << 20, 11);
  // Same branch: both files live in a directory only branch 1 holds.
  make_dirs(pool.on_branch(1, "one"));
  write_file(pool.on_branch(1, "one/src"), src);
  write_file(pool.on_branch(1, "one/dst"), "existing content that is partly overwritten");
  make_dirs(L("one"));
  write_file(L("one/src"), src);
  write_file(L("one/dst"), "existing content that is partly overwritten");
  struct Copy {
    off_t in, out;
    size_t len;
    bool offsets;  // explicit offsets, or the descriptors' positions
  };
  const Copy copies[] = {{0, 0, 4096, true},        {1, 7, 65537, true},
                         {500000, 3, 777777, true}, {(1 << 20) - 10, 0, 100, true},
                         {2 << 20, 0, 100, true},   {0, 0, 12345, false}};
  for (const auto& c : copies) {
    std::string label = "in=" + std::to_string(c.in) + " out=" + std::to_string(c.out) +
                        " len=" + std::to_string(c.len) + (c.offsets ? "" : " (file positions)");
    Outcome o[2];
    off_t pos[2][2];
    std::string result[2];
    for (int i = 0; i < 2; ++i) {
      std::string base = i ? P("one/") : L("one/");
      int in = ::open((base + "src").c_str(), O_RDONLY),
          out = ::open((base + "dst").c_str(), O_RDWR);
      ASSERT_GE(in, 0);
      ASSERT_GE(out, 0);
      loff_t a = c.in, b = c.out;
      if (!c.offsets) {
        ::lseek(in, 1000, SEEK_SET);
        ::lseek(out, 10, SEEK_SET);
      }
      o[i] = sys([&] {
        return ::copy_file_range(in, c.offsets ? &a : nullptr, out, c.offsets ? &b : nullptr, c.len,
                                 0);
      });
      pos[i][0] = c.offsets ? a : ::lseek(in, 0, SEEK_CUR);
      pos[i][1] = c.offsets ? b : ::lseek(out, 0, SEEK_CUR);
      ::close(in);
      ::close(out);
      result[i] = read_file(base + "dst");
    }
    EXPECT_TRUE(o[1] == o[0]) << label << ": pool " << describe(o[1]) << ", tmpfs "
                              << describe(o[0]);
    EXPECT_EQ(pos[1][0], pos[0][0]) << label << " input offset";
    EXPECT_EQ(pos[1][1], pos[0][1]) << label << " output offset";
    EXPECT_TRUE(result[1] == result[0]) << label << ": destination differs";
  }
  EXPECT_TRUE(read_file(pool.on_branch(1, "one/dst")) == read_file(L("one/dst")));
  // Across branches: a copy, or EXDEV/EOPNOTSUPP (callers then fall back to read/write).
  make_dirs(pool.on_branch(0, "x"));
  make_dirs(pool.on_branch(2, "x"));
  write_file(pool.on_branch(0, "x/src"), src);
  write_file(pool.on_branch(2, "x/dst"), "");
  int in = ::open(P("x/src").c_str(), O_RDONLY), out = ::open(P("x/dst").c_str(), O_WRONLY);
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  size_t done = 0;
  Outcome o{};
  while (done < src.size()) {
    o = sys([&] { return ::copy_file_range(in, nullptr, out, nullptr, src.size() - done, 0); });
    if (o.ret <= 0) break;
    done += static_cast<size_t>(o.ret);
  }
  ::close(in);
  ::close(out);
  if (done < src.size()) {
    EXPECT_TRUE(o.err == EXDEV || o.err == EOPNOTSUPP) << describe(o);
    EXPECT_EQ(done, 0u);
  } else {
    EXPECT_TRUE(read_file(pool.on_branch(2, "x/dst")) == src);
    EXPECT_TRUE(read_file(P("x/dst")) == src);
  }
}

TEST_F(DataPath, LseekDataAndHoleMatchTmpfs) {
  const std::string blk = random_bytes(4096, 3);
  const off_t probes[] = {0,
                          1,
                          4095,
                          4096,
                          8191,
                          65536,
                          (1 << 20) - 1,
                          1 << 20,
                          (1 << 20) + 4095,
                          (1 << 20) + 4096,
                          (2 << 20) - 1,
                          2 << 20,
                          3 << 20,
                          -1};
  for (const auto& base : {L("sparse"), P("sparse")}) {
    int fd = ::open(base.c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, blk.data(), blk.size(), 0), 4096);
    ASSERT_EQ(::pwrite(fd, blk.data(), blk.size(), 1 << 20), 4096);
    ASSERT_EQ(::ftruncate(fd, 2 << 20), 0);
    ::close(fd);
  }
  int a = ::open(L("sparse").c_str(), O_RDONLY), b = ::open(P("sparse").c_str(), O_RDONLY);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  for (int whence : {SEEK_DATA, SEEK_HOLE, SEEK_SET, SEEK_END})
    for (off_t off : probes) {
      Outcome x = sys([&] { return ::lseek(a, off, whence); });
      Outcome y = sys([&] { return ::lseek(b, off, whence); });
      EXPECT_TRUE(x == y) << "whence=" << whence << " off=" << off << ": pool " << describe(y)
                          << ", tmpfs " << describe(x);
    }
  EXPECT_EQ(::lseek(b, 0, SEEK_HOLE), 4096);
  EXPECT_EQ(::lseek(b, 4096, SEEK_DATA), 1 << 20);
  Outcome past = sys([&] { return ::lseek(b, 2 << 20, SEEK_DATA); });
  EXPECT_EQ(past.err, ENXIO);
  ::close(a);
  ::close(b);
}

}  // namespace
}  // namespace mfs::test::datapath
