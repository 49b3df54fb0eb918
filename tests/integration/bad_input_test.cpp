// Bad input through the kernel interface: garbage and huge values written to the control file,
// names at NAME_MAX, paths at PATH_MAX, names that are not UTF-8. (The parsers behind the
// control file are also fuzzed: tests/fuzz, tools/fuzz.sh.)
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

// Every listed key of the control file with its value, one "key=value" line each.
std::string config_dump(const Pool& p) {
  std::string ctl = p.path(".mergerfs");
  std::vector<char> names(1 << 20);
  ssize_t n = ::listxattr(ctl.c_str(), names.data(), names.size());
  std::string out;
  for (ssize_t at = 0; at < n;) {
    std::string name(names.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    std::vector<char> v(65536);
    ssize_t vn = ::getxattr(ctl.c_str(), name.c_str(), v.data(), v.size());
    out += name + "=" + (vn < 0 ? std::string("<") + std::strerror(errno) + ">"
                                : std::string(v.data(), static_cast<size_t>(vn))) + "\n";
  }
  return out;
}

Outcome setx(const Pool& p, const std::string& name, const std::string& value) {
  return sys([&] {
    return (long)::setxattr(p.path(".mergerfs").c_str(), name.c_str(), value.data(), value.size(), 0);
  });
}

Outcome make_file(const std::string& path) {
  return sys([&] {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return -1L;
    long r = ::write(fd, "x", 1) == 1 ? 0 : -1;
    ::close(fd);
    return r;
  });
}

TEST(BadInput, ControlFileGarbageAndHugeValuesChangeNothing) {
  Pool p({.branches = 2});
  const std::string before = config_dump(p);
  ASSERT_NE(before.find("user.mergerfs.category.create="), std::string::npos) << before;
  const std::vector<std::string> keys = {"category.create", "func.getattr", "minfreespace", "moveonenospc",
                                         "cache.statfs", "cache.attr", "inodecalc", "statfs-ignore",
                                         "symlinkify-timeout", "func.readdir", "cache.files", "xattr"};
  std::string garbage = "\xff\xfe\x01garbage";
  garbage.push_back('\0');
  garbage += "more";
  const std::vector<std::string> values = {
      "", garbage, std::string(65536, 'A'), std::string(4096, '9'), "99999999999999999999999999",
      "-1", "1e400", "nan", "ff,mfs", "=", "\n", "true\ntrue", std::string("mfs\0x", 5), "1K1K", "%s%n%n"};
  // After every refused write the whole listing is what it was before that write.
  int refused = 0, accepted = 0;
  std::string current = before;
  for (const auto& k : keys) {
    for (const auto& v : values) {
      auto o = setx(p, "user.mergerfs." + k, v);
      std::string now = config_dump(p);
      if (o.ret == 0) {  // a value some keys take (e.g. -1 for a timeout): restored below
        ++accepted;
        current = now;
        continue;
      }
      ++refused;
      EXPECT_TRUE(o.err == EINVAL || o.err == EOVERFLOW || o.err == ENOENT || o.err == E2BIG || o.err == ERANGE)
          << k << " <- " << v.size() << " bytes: " << describe(o);
      EXPECT_EQ(line_diff(now, current), "") << k << " <- " << v.size() << " bytes changed the config";
    }
  }
  // Oversized names and values stop at the kernel: ERANGE for a name over 255 bytes, E2BIG over 64 KiB.
  EXPECT_EQ(setx(p, "user.mergerfs." + std::string(300, 'k'), "1").err, ERANGE);
  EXPECT_EQ(setx(p, "user.mergerfs.minfreespace", std::string(65537, '1')).err, E2BIG);
  EXPECT_EQ(setx(p, "user.mergerfs." + std::string(200, 'k'), "1").err, ENODATA);
  EXPECT_EQ(setx(p, "user.mergerfs.cmd." + std::string(200, 'c'), "1").err, ENODATA);
  EXPECT_EQ(setx(p, "user.mergerfs.stats", "{}").err, EROFS);
  EXPECT_EQ(setx(p, "user.mergerfs.version", garbage).err, EROFS);
  // Branch instructions that cannot apply leave the branches as they were.
  for (const std::string& v : {std::string("?garbage"), std::string("-<") + garbage, std::string("*/no/such/*")}) {
    auto o = setx(p, "user.mergerfs.branches", v);
    if (o.ret < 0) ++refused;
  }
  EXPECT_GT(refused, static_cast<int>(keys.size() * 8));
  // Accepted values were valid ones; put back what changed and compare the whole listing.
  for (const auto& k : keys) {
    auto at = before.find("user.mergerfs." + k + "=");
    ASSERT_NE(at, std::string::npos) << k;
    auto eq = before.find('=', at);
    std::string v = before.substr(eq + 1, before.find('\n', eq) - eq - 1);
    setx(p, "user.mergerfs." + k, v);
  }
  {
    auto at = before.find("user.mergerfs.branches=");
    auto eq = before.find('=', at);
    setx(p, "user.mergerfs.branches", "=" + before.substr(eq + 1, before.find('\n', eq) - eq - 1));
  }
  EXPECT_EQ(line_diff(config_dump(p), before), "");
  std::cout << "[ figures  ] control file: " << refused << " bad writes refused with the config unchanged, "
            << accepted << " accepted (valid values)\n";
  // The daemon is alive and serves.
  EXPECT_EQ(::kill(p.pid(), 0), 0);
  ASSERT_EQ(make_file(p.path("still-works")).ret, 0);
  EXPECT_EQ(read_file(p.path("still-works")), "x");
}

TEST(BadInput, NamesAtNameMax) {
  Pool p({.branches = 2});
  const std::string n255(255, 'n'), n256(256, 'n'), m255 = std::string(254, 'm') + "\xe9";
  ASSERT_EQ(make_file(p.path(n255)).ret, 0);
  EXPECT_TRUE(names_in(p.mnt()).count(n255));
  EXPECT_TRUE(exists(p.on_branch(0, n255)) || exists(p.on_branch(1, n255)));
  ASSERT_EQ(::rename(p.path(n255).c_str(), p.path(m255).c_str()), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(p.path(m255)), "x");
  ASSERT_EQ(::mkdir(p.path(n255).c_str(), 0755), 0);
  EXPECT_EQ(make_file(p.path(n255 + "/" + n255)).ret, 0);
  for (auto fn : {+[](const std::string& s) { return (long)::mkdir(s.c_str(), 0755); },
                  +[](const std::string& s) { return (long)::open(s.c_str(), O_CREAT | O_WRONLY, 0644); },
                  +[](const std::string& s) { return (long)::unlink(s.c_str()); },
                  +[](const std::string& s) {
                    struct stat st {};
                    return (long)::stat(s.c_str(), &st);
                  }}) {
    EXPECT_EQ(sys([&] { return fn(p.path(n256)); }).err, ENAMETOOLONG);
    EXPECT_EQ(sys([&] { return fn(p.path(n255 + "/" + n256)); }).err, ENAMETOOLONG);
  }
  EXPECT_EQ(sys([&] { return (long)::rename(p.path(m255).c_str(), p.path(n256).c_str()); }).err, ENAMETOOLONG);
  EXPECT_EQ(::unlink(p.path(n255 + "/" + n255).c_str()), 0);
  EXPECT_EQ(::rmdir(p.path(n255).c_str()), 0);
  EXPECT_EQ(::unlink(p.path(m255).c_str()), 0);
  EXPECT_TRUE(names_in(p.mnt()).empty());
}

// A pool path of PATH_MAX - 1 bytes works end to end; one byte more is ENAMETOOLONG from the
// kernel. (Branch paths longer than PATH_MAX: ReadOnlyOps.PathLongerThanPathMaxIsENAMETOOLONG.)
TEST(BadInput, PathsAtPathMax) {
  Pool p({.branches = 2, .options = "category.create=ff"});
  std::string rel;  // relative to the mount, without a leading '/'
  std::string dirs;
  const size_t want = PATH_MAX - 1 - p.mnt().size() - 1;  // bytes after "MNT/"
  // Directories of 200 bytes, then a file name that makes the total exactly `want`.
  while (rel.size() + 201 + 20 < want) {
    rel += (rel.empty() ? "" : "/") + std::string(200, 'd');
    ASSERT_EQ(::mkdir(p.path(rel).c_str(), 0755), 0) << rel.size() << ": " << std::strerror(errno);
  }
  std::string leaf(want - rel.size() - 1, 'f');
  ASSERT_LE(leaf.size(), 255u);
  std::string file = p.path(rel + "/" + leaf);
  ASSERT_EQ(file.size(), static_cast<size_t>(PATH_MAX - 1));
  ASSERT_EQ(make_file(file).ret, 0) << std::strerror(errno);
  EXPECT_EQ(read_file(file), "x");
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 1);
  EXPECT_TRUE(names_in(p.path(rel)).count(leaf));
  EXPECT_EQ(::chmod(file.c_str(), 0600), 0) << std::strerror(errno);
  EXPECT_EQ(::setxattr(file.c_str(), "user.k", "v", 1, 0), 0) << std::strerror(errno);
  // One byte more: the kernel refuses the path.
  EXPECT_EQ(make_file(file + "g").err, ENAMETOOLONG);
  EXPECT_EQ(::unlink(file.c_str()), 0) << std::strerror(errno);
  EXPECT_TRUE(names_in(p.path(rel)).empty());
}

TEST(BadInput, NamesThatAreNotUtf8) {
  Pool p({.branches = 2, .options = "category.create=rand"});
  const std::vector<std::string> names = {"\xff\xfe", "a\x80z", "\xc3\x28", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80",
                                          "\xc0\xaf", "tab\there", "nl\nhere", "\x01\x02\x7f"};
  for (const auto& n : names) ASSERT_EQ(make_file(p.path(n)).ret, 0) << n.size() << " bytes";
  ASSERT_EQ(::mkdir(p.path("\xfe\xfe-dir").c_str(), 0755), 0);
  ASSERT_EQ(make_file(p.path("\xfe\xfe-dir/\xff")).ret, 0);
  auto listed = names_in(p.mnt());
  for (const auto& n : names) {
    EXPECT_TRUE(listed.count(n)) << n.size() << " bytes";
    EXPECT_TRUE(exists(p.on_branch(0, n)) != exists(p.on_branch(1, n)));  // on exactly one branch
    EXPECT_EQ(read_file(p.path(n)), "x");
  }
  EXPECT_EQ(listed.size(), names.size() + 1);
  EXPECT_EQ(::rename(p.path("\xff\xfe").c_str(), p.path("\xfe\xff").c_str()), 0);
  EXPECT_TRUE(names_in(p.mnt()).count("\xfe\xff"));
  for (auto n : names) {
    if (n == "\xff\xfe") n = "\xfe\xff";
    EXPECT_EQ(::unlink(p.path(n).c_str()), 0) << std::strerror(errno);
  }
  EXPECT_EQ(::unlink(p.path("\xfe\xfe-dir/\xff").c_str()), 0);
  EXPECT_EQ(::rmdir(p.path("\xfe\xfe-dir").c_str()), 0);
  EXPECT_TRUE(names_in(p.mnt()).empty());
  EXPECT_TRUE(names_in(p.branch(0)).empty() && names_in(p.branch(1)).empty());
}

}  // namespace
}  // namespace mfs::test
