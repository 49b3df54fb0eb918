// Read-only ops on the pool vs a plain directory: ENOENT/ENOTDIR, names and paths too long, and
// permission denied as nobody.
#include <gtest/gtest.h>

#include "tests/integration/readonly_ops_fixture.hpp"

namespace mfs::test::readonly {
namespace {

TEST_P(ReadOnlyOps, EnoentAndEnotdirMatchPlainDirectory) {
  for (const std::string& rel :
       Names{"missing", "nodir/x", "shared/missing", "shared/only1/missing", "dangling", "file_a/x",
             "file_a/", "link_rel/x", "fifo/x", "fileshadowsdir/x", "mixed/inside/x",
             "shared/from0/x/y"}) {
    expect_same_stat(rel, true);
    expect_same_stat(rel, false);
    expect_same_as(false, "access " + rel, [rel = rel](const std::string& base) {
      return static_cast<long>(::access((base + "/" + rel).c_str(), F_OK));
    });
  }
}

TEST_P(ReadOnlyOps, NameLongerThan255IsENAMETOOLONG) {
  // The 255-character name exists (on branch 1) and is reachable.
  expect_same_stat(kName255, true);
  ASSERT_EQ(read_file(P(kName255)), "a 255-character name");
  const std::string m255(255, 'm');
  expect_same_stat(m255, true);  // a missing 255-character name: ENOENT
  // "nodir/<256>" is ENOENT: the missing first component stops the walk before the long name.
  for (const std::string& rel :
       Names{kName256, "shared/" + kName256, kName256 + "/x", "nodir/" + kName256,
             std::string(300, 'p'), std::string(1100, 'q')}) {
    std::string label =
        rel.size() > 40 ? rel.substr(0, 12) + "...(" + std::to_string(rel.size()) + ")" : rel;
    expect_same_stat(rel, true);
    expect_same_stat(rel, false);
    expect_same_as(false, "access " + label, [rel = rel](const std::string& base) {
      return static_cast<long>(::access((base + "/" + rel).c_str(), F_OK));
    });
    expect_same_as(false, "open " + label, [rel = rel](const std::string& base) {
      int fd = ::open((base + "/" + rel).c_str(), O_RDONLY);
      if (fd >= 0) ::close(fd);
      return fd < 0 ? -1L : 0L;
    });
    expect_same_as(false, "readlink " + label, [rel = rel](const std::string& base) {
      char buf[64];
      return static_cast<long>(::readlink((base + "/" + rel).c_str(), buf, sizeof buf));
    });
    expect_same_as(false, "getxattr " + label, [rel = rel](const std::string& base) {
      char buf[64];
      return static_cast<long>(
          ::getxattr((base + "/" + rel).c_str(), "user.test", buf, sizeof buf));
    });
    expect_same_as(false, "opendir " + label, [rel = rel](const std::string& base) {
      DIR* d = ::opendir((base + "/" + rel).c_str());
      if (d) ::closedir(d);
      return d ? 0L : -1L;
    });
    // The raw result, stated: ENAMETOOLONG, twice (the second may be answered from a cache).
    if (rel.rfind("nodir/", 0) == 0) continue;
    for (int i = 0; i < 2; ++i) {
      struct stat st {};
      Outcome o = sys([&] { return ::stat(P(rel).c_str(), &st); });
      EXPECT_EQ(o.err, ENAMETOOLONG) << "stat " << label << " on the pool: " << describe(o);
    }
  }
}

TEST_P(ReadOnlyOps, PathLongerThanPathMaxIsENAMETOOLONG) {
  // PATH_MAX counts the terminating NUL: 4095 characters resolve, 4096 do not.
  for (const std::string& rel : Names{"file_a", "shared/only1/deep", "missing"}) {
    for (size_t total : {size_t{PATH_MAX - 1}, size_t{PATH_MAX}, size_t{PATH_MAX + 100}}) {
      std::string label = "stat " + rel + " via a " + std::to_string(total) + "-char path";
      std::string a = padded(pool.mnt(), rel, total), b = padded(L(""), rel, total);
      ASSERT_EQ(a.size(), total);
      ASSERT_EQ(b.size(), total);
      struct stat sa {
      }, sb{};
      Outcome oa = sys([&] { return ::stat(a.c_str(), &sa); });
      Outcome ob = sys([&] { return ::stat(b.c_str(), &sb); });
      expect_same(oa, ob, label);
      if (total >= PATH_MAX) {
        EXPECT_EQ(oa.err, ENAMETOOLONG) << label;
      }
      if (oa.ret == 0 && ob.ret == 0) {
        EXPECT_EQ(sa.st_size, sb.st_size) << label;
      }
    }
  }
}

TEST_P(ReadOnlyOps, PermissionDeniedAsNobodyMatchesPlainDirectory) {
  auto path = [](const std::string& base, const std::string& rel) {
    return rel.empty() ? base : base + "/" + rel;
  };
  auto open_read = [&](const std::string& rel) {
    return [rel, path](const std::string& base) -> long {
      int fd = ::open(path(base, rel).c_str(), O_RDONLY);
      if (fd < 0) return -1;
      char buf[4096];
      unsigned long sum = 0;  // wraps: signed overflow is undefined (UBSan aborted the child)
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; ++i) sum = sum * 31 + static_cast<unsigned char>(buf[i]);
      int e = errno;
      ::close(fd);
      errno = e;
      return n < 0 ? -1 : static_cast<long>(sum & 0x7fffffff);  // a checksum of what was read
    };
  };
  auto list = [&](const std::string& rel) {
    return [rel, path](const std::string& base) -> long {
      DIR* d = ::opendir(path(base, rel).c_str());
      if (!d) return -1;
      long n = 0;
      while (::readdir(d)) ++n;
      ::closedir(d);
      return n;
    };
  };
  auto do_stat_fn = [&](const std::string& rel, bool follow) {
    return [rel, path, follow](const std::string& base) -> long {
      struct stat st {};
      std::string p = path(base, rel);
      return follow ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st);
    };
  };
  // Reads: a 0600 root file, a 0000 file, a file below a 0700 dir; allowed reads for contrast.
  for (const std::string& rel :
       Names{"secret", "noperm", "private/inner", "private/link", "file_a", "owned", "shared/from1",
             "shared/b1file", "shared/only1/deep", "dironly1/f", "link_rel"})
    expect_same_as(true, "open+read " + rel, open_read(rel));
  // Listings: 0700 and 0750 root dirs; allowed listings for contrast (shared is 0700 on
  // branch 1, but the pool shows branch 0's 0755 copy, as the plain dir does).
  for (const std::string& rel :
       Names{"private", "dironly1", "mixed", "shared", "", "sticky", "shared/only1", "link_dir"})
    expect_same_as(true, "readdir " + rel, list(rel));
  // Traversal: stat of names below a 0700 directory.
  for (const std::string& rel :
       Names{"private/inner", "private/link", "private/missing", "private", "dironly1/f",
             "shared/only1/deep", "shared/only1", "mixed/inside"}) {
    expect_same_as(true, "stat " + rel, do_stat_fn(rel, true));
    expect_same_as(true, "lstat " + rel, do_stat_fn(rel, false));
  }
  expect_same_as(true, "readlink private/link", [path](const std::string& base) -> long {
    char buf[64];
    return ::readlink(path(base, "private/link").c_str(), buf, sizeof buf);
  });
  for (const std::string& rel : Names{"private/inner", "secret", "xfile"}) {
    expect_same_as(true, "getxattr " + rel, [rel, path](const std::string& base) -> long {
      char buf[64];
      return ::getxattr(path(base, rel).c_str(), "user.test", buf, sizeof buf);
    });
    expect_same_as(true, "listxattr " + rel, [rel, path](const std::string& base) -> long {
      char buf[256];
      return ::listxattr(path(base, rel).c_str(), buf, sizeof buf);
    });
    expect_same_as(true, "statvfs " + rel, [rel, path](const std::string& base) -> long {
      struct statvfs sv {};
      return ::statvfs(path(base, rel).c_str(), &sv);
    });
  }
  // The denial itself, stated.
  EXPECT_EQ(as_user(kNobody, kNogroup,
                    [&] { return static_cast<long>(::open(P("secret").c_str(), O_RDONLY)); })
                .err,
            EACCES);
  EXPECT_EQ(as_user(kNobody, kNogroup,
                    [&] { return static_cast<long>(::opendir(P("private").c_str()) ? 0 : -1); })
                .err,
            EACCES);
  struct stat st {};
  EXPECT_EQ(as_user(kNobody, kNogroup,
                    [&] { return static_cast<long>(::stat(P("private/inner").c_str(), &st)); })
                .err,
            EACCES);
}

}  // namespace
}  // namespace mfs::test::readonly
