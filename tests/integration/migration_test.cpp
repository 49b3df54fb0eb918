// moveonenospc: a write that fills its branch moves the file to one with room and carries on.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Writes `data` through the pool in 1 MiB chunks; returns the first failing errno or 0.
int write_through(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return errno;
  for (size_t off = 0; off < data.size();) {
    size_t n = std::min<size_t>(1 << 20, data.size() - off);
    ssize_t w = ::write(fd, data.data() + off, n);
    if (w < 0) {
      int e = errno;
      ::close(fd);
      return e;
    }
    off += static_cast<size_t>(w);
  }
  return ::close(fd) < 0 ? errno : 0;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> v;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (auto* e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") v.push_back(e->d_name);
    ::closedir(d);
  }
  return v;
}

// Branch 0 is small (8 MiB), branch 1 large (64 MiB): ff puts new files on branch 0.
class MoveOnEnospc : public ::testing::Test {
 protected:
  std::unique_ptr<Pool> pool(const std::string& opts) {
    auto p = std::make_unique<Pool>(PoolSpec{.branches = 2, .options = opts, .tmpfs_mb = 64, .start = false});
    run("umount '" + p->branch(0) + "' && mount -t tmpfs -o size=8m tmpfs '" + p->branch(0) + "'");
    p->start();
    return p;
  }
};

TEST_F(MoveOnEnospc, WritePastAFullBranchMovesTheFile) {
  auto p = pool("category.create=ff,minfreespace=1M,moveonenospc=true");
  std::string data = random_bytes(20 << 20, 1);
  ASSERT_EQ(write_through(p->path("big"), data), 0);
  EXPECT_FALSE(exists(p->on_branch(0, "big")));
  ASSERT_TRUE(exists(p->on_branch(1, "big")));
  EXPECT_EQ(read_file(p->on_branch(1, "big")), data);
  EXPECT_EQ(read_file(p->path("big")), data);
  EXPECT_EQ(names_in(p->branch(0)), std::vector<std::string>{});  // no temp or copy left
  EXPECT_EQ(names_in(p->branch(1)), std::vector<std::string>{"big"});
}

TEST_F(MoveOnEnospc, OffTheWriteFailsEnospc) {
  auto p = pool("category.create=ff,minfreespace=1M,moveonenospc=false");
  std::string data = random_bytes(20 << 20, 2);
  EXPECT_EQ(write_through(p->path("big"), data), ENOSPC);
  EXPECT_TRUE(exists(p->on_branch(0, "big")));
  EXPECT_FALSE(exists(p->on_branch(1, "big")));
}

TEST_F(MoveOnEnospc, AMoveThatCannotSucceedReturnsTheOriginalError) {
  auto p = pool("category.create=ff,minfreespace=1M,moveonenospc=true");
  // Too big for either branch: it moves once (8 MiB -> 64 MiB branch), then the second move
  // has nowhere to go; the write fails ENOSPC and the file stays whole where it is.
  std::string data = random_bytes(80 << 20, 3);
  EXPECT_EQ(write_through(p->path("huge"), data), ENOSPC);
  EXPECT_FALSE(exists(p->on_branch(0, "huge")));
  ASSERT_TRUE(exists(p->on_branch(1, "huge")));
  struct stat st {};
  ASSERT_EQ(::stat(p->on_branch(1, "huge").c_str(), &st), 0);
  EXPECT_GT(st.st_size, 8 << 20);
  EXPECT_EQ(read_file(p->on_branch(1, "huge")), data.substr(0, static_cast<size_t>(st.st_size)));
  EXPECT_EQ(names_in(p->branch(0)), std::vector<std::string>{});
  EXPECT_EQ(names_in(p->branch(1)), std::vector<std::string>{"huge"});
}

TEST_F(MoveOnEnospc, OtherHandlesFollowTheMovedFile) {
  auto p = pool("category.create=ff,minfreespace=1M,moveonenospc=true");
  std::string data = random_bytes(20 << 20, 4);
  int reader = -1;
  {
    write_file(p->path("shared"), "");
    reader = ::open(p->path("shared").c_str(), O_RDONLY);
    ASSERT_GE(reader, 0);
  }
  int fd = ::open(p->path("shared").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fd);
  std::string back(data.size(), '\0');
  ASSERT_EQ(::pread(reader, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  EXPECT_EQ(back, data);
  ::close(reader);
  EXPECT_TRUE(exists(p->on_branch(1, "shared")));
  EXPECT_FALSE(exists(p->on_branch(0, "shared")));
}

}  // namespace
}  // namespace mfs::test
