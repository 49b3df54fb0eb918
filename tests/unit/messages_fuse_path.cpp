// The pool-path helpers every layer shares: parent_of, base_name, join_path.
#include <gtest/gtest.h>

#include "messages/fuse_path.hpp"

namespace mfs {
namespace {

TEST(FusePath, ParentOfRootIsRoot) {
  EXPECT_EQ(parent_of("/"), "/");
  EXPECT_EQ(parent_of("//"), "/");
  EXPECT_EQ(parent_of(""), "/");
}

TEST(FusePath, ParentOfNameInRootIsRoot) {
  EXPECT_EQ(parent_of("/a"), "/");
  EXPECT_EQ(parent_of("a"), "/");
}

TEST(FusePath, ParentOfDeeperPaths) {
  EXPECT_EQ(parent_of("/a/b"), "/a");
  EXPECT_EQ(parent_of("/a/b/c"), "/a/b");
  EXPECT_EQ(parent_of("/a b/c d"), "/a b");
}

TEST(FusePath, ParentOfIgnoresTrailingSlashes) {
  EXPECT_EQ(parent_of("/a/"), "/");
  EXPECT_EQ(parent_of("/a/b/"), "/a");
  EXPECT_EQ(parent_of("/a/b//"), "/a");
}

TEST(FusePath, BaseNameIsTheLastName) {
  EXPECT_EQ(base_name("/a/b"), "b");
  EXPECT_EQ(base_name("/a"), "a");
  EXPECT_EQ(base_name("/"), "");
  EXPECT_EQ(base_name("/a/"), "");
  EXPECT_EQ(base_name("a"), "a");
}

TEST(FusePath, JoinPath) {
  EXPECT_EQ(join_path("/", "c"), "/c");
  EXPECT_EQ(join_path("/a/b", "c"), "/a/b/c");
  EXPECT_EQ(join_path("/a/b/", "c"), "/a/b/c");
  EXPECT_EQ(join_path("", "c"), "c");
}

TEST(FusePath, JoinThenParentRoundTrips) {
  for (const char* dir : {"/", "/a", "/a/b"}) {
    EXPECT_EQ(parent_of(join_path(dir, "x")), dir);
    EXPECT_EQ(base_name(join_path(dir, "x")), "x");
  }
}

}  // namespace
}  // namespace mfs
