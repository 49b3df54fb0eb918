// Policy options func.<fn>, one behavioural test per function: a search function sees the copy
// its policy picks, an action function acts only where its policy says, a create function lands
// on the branch its policy picks (FEATURES.md §2, §4).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/integration/options_policy_cases.hpp"
#include "tests/integration/options_policy_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::policyopts {
namespace {

class SearchFunc : public ::testing::TestWithParam<SearchCase> {};

// func.<fn>=ff shows branch 0's copy; func.<fn>=newest shows branch 1's, and only for <fn>: a
// bystander search function (getattr, or open for getattr itself) keeps the category default ff.
TEST_P(SearchFunc, SeesTheCopyItsPolicyPicks) {
  const SearchCase& c = GetParam();
  const std::string key = "func." + c.fn;
  {
    Pool p({.branches = 2, .options = join_options(c.extra_options, key + "=ff"), .start = false});
    make_two_copies(p);
    p.start();
    EXPECT_EQ(ctl(p, key), "ff");
    EXPECT_EQ(c.observe(p), "0") << key << "=ff: the first branch holding the path";
  }
  {
    Pool p({.branches = 2, .options = join_options(c.extra_options, key + "=newest"),
            .start = false});
    make_two_copies(p);
    p.start();
    EXPECT_EQ(ctl(p, key), "newest");
    EXPECT_EQ(c.observe(p), "1") << key << "=newest: the copy with the largest mtime";
    const Observer bystander = c.fn == "getattr" ? seen_by_open : seen_by_getattr;
    EXPECT_EQ(bystander(p), "0") << "a search function other than " << c.fn << " stays ff";
  }
}

INSTANTIATE_TEST_SUITE_P(OptionFunc, SearchFunc, ::testing::ValuesIn(search_cases()),
                         [](const auto& info) { return info.param.fn; });

class ActionFunc : public ::testing::TestWithParam<ActionCase> {};

TEST_P(ActionFunc, ActsOnlyWhereThePolicySays) {
  const ActionCase& c = GetParam();
  const std::string key = "func." + c.fn;
  for (const std::string policy : {"ff", "epall"}) {
    SCOPED_TRACE(key + "=" + policy);
    Pool p({.branches = 2, .options = key + "=" + policy, .start = false});
    c.setup(p.branch(0));
    c.setup(p.branch(1));
    p.start();
    EXPECT_EQ(ctl(p, key), policy);
    Outcome o = c.act(p);
    EXPECT_EQ(o, ok()) << describe(o);
    EXPECT_TRUE(c.acted(p.branch(0))) << "the first copy is always acted on";
    EXPECT_EQ(c.acted(p.branch(1)), policy == "epall") << "the second copy only under epall";
    if (c.view) {
      Outcome v = c.view(p);
      EXPECT_EQ(v, policy == "ff" ? c.view_ff : c.view_epall) << describe(v);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OptionFunc, ActionFunc, ::testing::ValuesIn(action_cases()),
                         [](const auto& info) { return info.param.fn; });

class CreateFunc : public ::testing::TestWithParam<CreateCase> {};

TEST_P(CreateFunc, LandsOnTheBranchThePolicyPicks) {
  const CreateCase& c = GetParam();
  const std::string key = "func." + c.fn;
  const Maker bystander = c.fn == "create" ? Maker(make_dir) : Maker(make_file);
  for (const auto& [policy, branch] : std::map<std::string, int>{{"mfs", 2}, {"lfs", 1}}) {
    SCOPED_TRACE(key + "=" + policy);
    Pool p({.branches = 3, .options = "category.create=ff,minfreespace=1M," + key + "=" + policy,
            .tmpfs_mb = 16, .start = false});
    fill_three(p);
    p.start();
    EXPECT_EQ(ctl(p, key), policy);
    // The category reads back the distinct policies in function order (create first).
    EXPECT_EQ(ctl(p, "category.create"), c.fn == "create" ? policy + ",ff" : "ff," + policy);
    Outcome o = sys([&] { return c.make(p.path("obj")); });
    EXPECT_EQ(o, ok()) << describe(o);
    EXPECT_EQ(holders(p, 3, "obj"), std::vector<int>{branch});
    o = sys([&] { return bystander(p.path("other")); });
    EXPECT_EQ(o, ok()) << describe(o);
    EXPECT_EQ(holders(p, 3, "other"), std::vector<int>{0}) << "other create functions stay ff";
  }
}

INSTANTIATE_TEST_SUITE_P(OptionFunc, CreateFunc, ::testing::ValuesIn(create_cases()),
                         [](const auto& info) { return info.param.fn; });

}  // namespace
}  // namespace mfs::test::policyopts
