// Read-only ops on the pool vs a plain directory: readdir listings and its errors.
#include <gtest/gtest.h>

#include "tests/integration/readonly_ops_fixture.hpp"

namespace mfs::test::readonly {
namespace {

TEST_P(ReadOnlyOps, ReaddirMatchesPlainDirectory) {
  for (const std::string& rel :
       Names{std::string(""), std::string("shared"), std::string("shared/only1"),
             std::string("private"), std::string("sticky"), std::string("mixed"),
             std::string("dironly1"), std::string("link_dir"), std::string("shared/")})
    expect_same_listing(rel);
  // The merge itself, stated explicitly.
  auto root = list_dir(P(""));
  ASSERT_EQ(root.o.ret, 0);
  auto count = [&](const std::string& n) {
    return std::count_if(root.entries.begin(), root.entries.end(),
                         [&](const auto& e) { return e.first == n; });
  };
  EXPECT_EQ(count("dup"), 1);
  EXPECT_EQ(count("shared"), 1);
  EXPECT_EQ(count("mixed"), 1);
  EXPECT_EQ(count(".mergerfs"), 0);
  auto shared = list_dir(P("shared"));
  std::set<std::string> names;
  for (const auto& e : shared.entries) names.insert(e.first);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "from0", "from1", "from2", "b1file", "only1",
                                          "fifo1", "link_up"}));
}

TEST_P(ReadOnlyOps, ReaddirErrorsMatchPlainDirectory) {
  for (const std::string& rel : Names{"missing", "nodir/x", "file_a", "file_a/", "fifo", "link_rel",
                                      "dangling", "fileshadowsdir"})
    expect_same_listing(rel);
}

}  // namespace
}  // namespace mfs::test::readonly
