// Branch list syntax: every instruction, element options, globbing, atomic failure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

#include "config/branch_spec.hpp"
#include "config_tmpdir.hpp"

namespace mfs::config {
namespace {

using test::TmpDir;

// A pool of three real directories plus the helpers every test needs.
class BranchSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp.path().empty());
    a = tmp.mkdir("a");
    b = tmp.mkdir("b");
    c = tmp.mkdir("c");
  }

  int apply(const std::vector<BranchSpec>& cur, const std::string& v, std::vector<BranchSpec>& out) {
    error.clear();
    return apply_branch_instruction(cur, v, out, error, notices, 5);  // threads, as the daemon
  }

  std::vector<std::string> paths(const std::vector<BranchSpec>& bs) {
    std::vector<std::string> p;
    for (const auto& x : bs) p.push_back(x.path);
    return p;
  }

  std::vector<BranchSpec> make(const std::string& v) {
    std::vector<BranchSpec> out;
    EXPECT_EQ(apply({}, v, out), 0) << error;
    return out;
  }

  TmpDir tmp;
  std::string a, b, c, error;
  std::vector<std::string> notices;
};

TEST_F(BranchSpecTest, ReplaceWithAndWithoutEquals) {
  std::vector<BranchSpec> cur = make(a + ":" + b), out;
  ASSERT_EQ(apply(cur, c, out), 0);
  EXPECT_EQ(paths(out), std::vector<std::string>{c});
  ASSERT_EQ(apply(cur, "=" + c + ":" + a, out), 0);
  EXPECT_EQ(paths(out), (std::vector<std::string>{c, a}));
}

TEST_F(BranchSpecTest, EqualsAloneClears) {
  std::vector<BranchSpec> out = make(a + ":" + b);
  ASSERT_EQ(apply(out, "=", out), 0);
  EXPECT_TRUE(out.empty());
}

TEST_F(BranchSpecTest, AppendPlusAndPlusGreater) {
  const std::vector<BranchSpec> cur = make(a);
  std::vector<BranchSpec> out;
  ASSERT_EQ(apply(cur, "+" + b, out), 0);
  EXPECT_EQ(paths(out), (std::vector<std::string>{a, b}));
  ASSERT_EQ(apply(cur, "+>" + b + ":" + c, out), 0);
  EXPECT_EQ(paths(out), (std::vector<std::string>{a, b, c}));
}

TEST_F(BranchSpecTest, Prepend) {
  const std::vector<BranchSpec> cur = make(a);
  std::vector<BranchSpec> out;
  ASSERT_EQ(apply(cur, "+<" + b + ":" + c, out), 0);
  EXPECT_EQ(paths(out), (std::vector<std::string>{b, c, a}));
}

TEST_F(BranchSpecTest, RemoveByFnmatchPatterns) {
  const std::vector<BranchSpec> cur = make(a + ":" + b + ":" + c);
  std::vector<BranchSpec> out;
  ASSERT_EQ(apply(cur, "-" + tmp.path() + "/[ab]", out), 0);
  EXPECT_EQ(paths(out), std::vector<std::string>{c});
  ASSERT_EQ(apply(cur, "-" + a + ":" + c, out), 0);
  EXPECT_EQ(paths(out), std::vector<std::string>{b});
  ASSERT_EQ(apply(cur, "-/nowhere/*", out), 0);
  EXPECT_EQ(out, cur) << "no match removes nothing";
}

TEST_F(BranchSpecTest, RemoveFirstAndLast) {
  const std::vector<BranchSpec> cur = make(a + ":" + b + ":" + c);
  std::vector<BranchSpec> out;
  ASSERT_EQ(apply(cur, "-<", out), 0);
  EXPECT_EQ(paths(out), (std::vector<std::string>{b, c}));
  ASSERT_EQ(apply(cur, "->", out), 0);
  EXPECT_EQ(paths(out), (std::vector<std::string>{a, b}));
}

TEST_F(BranchSpecTest, RemoveFromEmptyIsEnoentAndLeavesOutput) {
  std::vector<BranchSpec> out = make(a);
  EXPECT_EQ(apply({}, "-<", out), -ENOENT);
  EXPECT_EQ(apply({}, "->", out), -ENOENT);
  EXPECT_EQ(paths(out), std::vector<std::string>{a});
  EXPECT_FALSE(error.empty());
}

TEST_F(BranchSpecTest, UnknownInstructionIsEinval) {
  std::vector<BranchSpec> out;
  for (const std::string& v : {"+=" + a, "<" + a, "-=" + a, "++" + a, ">" + a, "=+" + a}) {
    EXPECT_EQ(apply({}, v, out), -EINVAL) << v;
    EXPECT_NE(error.find("instruction"), std::string::npos) << error;
  }
}

TEST_F(BranchSpecTest, ModesAreCaseSensitive) {
  std::vector<BranchSpec> out = make(a + "=RO:" + b + "=NC:" + c + "=RW");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].mode, BranchMode::RO);
  EXPECT_EQ(out[1].mode, BranchMode::NC);
  EXPECT_EQ(out[2].mode, BranchMode::RW);
  for (const char* m : {"ro", "Rw", "nc", "XX", "R O"}) {
    EXPECT_EQ(apply({}, a + "=" + m, out), -EINVAL) << m;
    EXPECT_NE(error.find(m), std::string::npos) << "error names the bad mode: " << error;
  }
}

TEST_F(BranchSpecTest, EmptyOptionListAfterEqualsIsEinval) {
  std::vector<BranchSpec> out;
  EXPECT_EQ(apply({}, a + "=", out), -EINVAL);
  EXPECT_NE(error.find(a), std::string::npos) << error;
  EXPECT_EQ(apply({}, a + "=,1G", out), -EINVAL);
  EXPECT_EQ(apply({}, a + "=RW,1G,x", out), -EINVAL);
  EXPECT_EQ(apply({}, a + ":=RW", out), -EINVAL) << "empty path";
}

TEST_F(BranchSpecTest, PerBranchMinfreespace) {
  std::vector<BranchSpec> out = make(a + "=RW,1G:" + b + "=NC,512k:" + c);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].minfreespace, std::optional<uint64_t>(1ull << 30));
  EXPECT_EQ(out[1].minfreespace, std::optional<uint64_t>(512ull << 10));
  EXPECT_EQ(out[1].mode, BranchMode::NC);
  EXPECT_FALSE(out[2].minfreespace.has_value()) << "no override: follows the global value";
  EXPECT_EQ(apply({}, a + "=RW,lots", out), -EINVAL);
  EXPECT_EQ(apply({}, a + "=RW,99999999999T", out), -EOVERFLOW);
}

TEST_F(BranchSpecTest, SplitsAtTheLastEquals) {
  const std::string odd = tmp.mkdir("x=y");
  std::vector<BranchSpec> out = make(odd + "=RO");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].path, odd);
  EXPECT_EQ(out[0].mode, BranchMode::RO);
}

TEST_F(BranchSpecTest, AtomicFailureLeavesOutputAndNoticesUntouched) {
  const std::vector<BranchSpec> cur = make(a + ":" + b);
  std::vector<BranchSpec> out = cur;
  notices.clear();
  EXPECT_EQ(apply(cur, "+" + c + ":/does/not/exist:" + a + "=bad", out), -EINVAL);
  EXPECT_EQ(out, cur);
  EXPECT_TRUE(notices.empty()) << "notices of a rejected instruction are dropped";
  EXPECT_NE(error.find(a + "=bad"), std::string::npos) << error;
  EXPECT_EQ(apply(cur, "=" + c + ":" + a + "=", out), -EINVAL);
  EXPECT_EQ(out, cur);
}

TEST_F(BranchSpecTest, OutputMayAliasInput) {
  std::vector<BranchSpec> v = make(a);
  ASSERT_EQ(apply(v, "+<" + b, v), 0);
  ASSERT_EQ(apply(v, "+" + c, v), 0);
  EXPECT_EQ(paths(v), (std::vector<std::string>{b, a, c}));
}

TEST_F(BranchSpecTest, GlobExpansionWithBracesAndOnlyDirs) {
  tmp.mkdir("disk1");
  tmp.mkdir("disk2");
  tmp.mkdir("disk10");
  tmp.write("disk3", "not a directory");
  tmp.mkdir("ssd");
  std::vector<BranchSpec> out = make(tmp.path() + "/disk*=NC");
  EXPECT_EQ(paths(out), (std::vector<std::string>{tmp.sub("disk1"), tmp.sub("disk10"),
                                                  tmp.sub("disk2")}));
  for (const auto& x : out) EXPECT_EQ(x.mode, BranchMode::NC);
  out = make(tmp.path() + "/{ssd,disk2}");
  EXPECT_EQ(paths(out), (std::vector<std::string>{tmp.sub("ssd"), tmp.sub("disk2")}));
}

TEST_F(BranchSpecTest, GlobResultsAreRealpathed) {
  ASSERT_EQ(::symlink(a.c_str(), tmp.sub("link").c_str()), 0);
  std::vector<BranchSpec> out = make(tmp.sub("link") + ":" + tmp.path() + "//b/");
  EXPECT_EQ(paths(out), (std::vector<std::string>{a, b}));
}

TEST_F(BranchSpecTest, NoMatchIsAddedLiterallyWithNotice) {
  notices.clear();
  const std::string pattern = tmp.path() + "/nomatch*";
  std::vector<BranchSpec> out = make(pattern);
  EXPECT_EQ(paths(out), std::vector<std::string>{pattern});
  ASSERT_FALSE(notices.empty());
  EXPECT_NE(notices[0].find("matched nothing"), std::string::npos) << notices[0];
}

TEST_F(BranchSpecTest, MissingPathIsAddedWithNotice) {
  notices.clear();
  std::vector<BranchSpec> out = make(tmp.sub("later") + "=RO,1G");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].path, tmp.sub("later"));
  EXPECT_EQ(out[0].mode, BranchMode::RO);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("does not exist"), std::string::npos) << notices[0];
}

TEST_F(BranchSpecTest, NonDirectoryIsSkippedWithNotice) {
  notices.clear();
  const std::string file = tmp.write("file", "x");
  std::vector<BranchSpec> out = make(a + ":" + file + ":" + b);
  EXPECT_EQ(paths(out), (std::vector<std::string>{a, b}));
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("not a directory"), std::string::npos) << notices[0];
}

TEST_F(BranchSpecTest, EmptyElementsAreIgnored) {
  std::vector<BranchSpec> out = make(a + "::" + b + ":");
  EXPECT_EQ(paths(out), (std::vector<std::string>{a, b}));
}

TEST_F(BranchSpecTest, SerializeShowsModeAndOnlyOverriddenMinfree) {
  std::vector<BranchSpec> out = make(a + ":" + b + "=RO,4G:" + c + "=NC,1536");
  EXPECT_EQ(serialize_branches(out), a + "=RW:" + b + "=RO,4G:" + c + "=NC,1536");
  EXPECT_EQ(join_branch_paths(out), a + ":" + b + ":" + c);
  EXPECT_EQ(serialize_branches({}), "");
  std::vector<BranchSpec> again;
  ASSERT_EQ(apply({}, serialize_branches(out), again), 0);
  EXPECT_EQ(again, out) << "serialized form parses back to the same list";
}

}  // namespace
}  // namespace mfs::config
