// Result aggregators for fan-out operations and the errno precedence helper.
#include <gtest/gtest.h>

#include <cerrno>

#include "policy/aggregate.hpp"

namespace mfs::policy {
namespace {

TEST(PolicyAggregate, MergeErrnoPrecedence) {
  EXPECT_EQ(merge_errno(-ENOENT, -ENOSPC), -ENOSPC);
  EXPECT_EQ(merge_errno(-ENOSPC, -ENOENT), -ENOSPC);
  EXPECT_EQ(merge_errno(-ENOSPC, -EROFS), -EROFS);
  EXPECT_EQ(merge_errno(-EROFS, -ENOSPC), -EROFS);
  EXPECT_EQ(merge_errno(-EROFS, -ENOENT), -EROFS);
  EXPECT_EQ(merge_errno(-ENOENT, -EROFS), -EROFS);
  EXPECT_EQ(merge_errno(-ENOENT, -ENOENT), -ENOENT);
  EXPECT_EQ(merge_errno(0, -ENOENT), -ENOENT);
  EXPECT_EQ(merge_errno(-ENOENT, 0), -ENOENT);
  // Other errnos sit between ENOENT and ENOSPC; equal ranks keep the first.
  EXPECT_EQ(merge_errno(-ENOENT, -EIO), -EIO);
  EXPECT_EQ(merge_errno(-EIO, -ENOSPC), -ENOSPC);
  EXPECT_EQ(merge_errno(-EIO, -EACCES), -EIO);
}

TEST(PolicyAggregate, ErrAnyAnySuccessWins) {
  ErrAny e;
  e.add(-EACCES);
  e.add(0);
  e.add(-EIO);
  EXPECT_EQ(e.result(), 0);
}

TEST(PolicyAggregate, ErrAnyKeepsTheFirstError) {
  ErrAny e;
  e.add(-EACCES);
  e.add(-EIO);
  e.add(-ENOENT);
  EXPECT_EQ(e.result(), -EACCES);
}

TEST(PolicyAggregate, ErrAnyAllSuccessAndEmpty) {
  ErrAny ok;
  ok.add(0);
  ok.add(0);
  EXPECT_EQ(ok.result(), 0);
  EXPECT_EQ(ErrAny().result(), -ENOENT);
  EXPECT_EQ(ErrAny(-EROFS).result(), -EROFS);
}

TEST(PolicyAggregate, RmdirNotEmptyBeatsSuccess) {
  RmdirErr e;
  e.add(0);
  e.add(-ENOTEMPTY);
  e.add(0);
  EXPECT_EQ(e.result(), -ENOTEMPTY);
}

TEST(PolicyAggregate, RmdirEexistIsStickyAndTheFirstStickyStays) {
  RmdirErr e;
  e.add(-EACCES);
  e.add(-EEXIST);
  e.add(-ENOTEMPTY);
  e.add(0);
  EXPECT_EQ(e.result(), -EEXIST);
}

TEST(PolicyAggregate, RmdirOtherwiseAnySuccessThenFirstError) {
  RmdirErr s;
  s.add(-EACCES);
  s.add(0);
  s.add(-EIO);
  EXPECT_EQ(s.result(), 0);
  RmdirErr f;
  f.add(-EACCES);
  f.add(-EIO);
  EXPECT_EQ(f.result(), -EACCES);
  EXPECT_EQ(RmdirErr().result(), -ENOENT);
}

TEST(PolicyAggregate, ResolveMixedNoErrorsIsSuccess) {
  EXPECT_EQ(resolve_mixed({{0, 0}, {2, 0}}, 2), 0);
  EXPECT_EQ(resolve_mixed({{0, 0}}, std::nullopt), 0);
  EXPECT_EQ(resolve_mixed({}, std::nullopt), 0);
}

TEST(PolicyAggregate, ResolveMixedNoSuccessesIsTheFirstError) {
  EXPECT_EQ(resolve_mixed({{1, -EPERM}, {3, -EIO}}, 3), -EPERM);
  EXPECT_EQ(resolve_mixed({{1, -EPERM}, {3, -EIO}}, std::nullopt), -EPERM);
}

TEST(PolicyAggregate, ResolveMixedUsesTheSearchBranch) {
  const std::vector<std::pair<size_t, int>> r = {{0, 0}, {1, -EPERM}, {2, 0}, {3, -EIO}};
  EXPECT_EQ(resolve_mixed(r, 0), 0);
  EXPECT_EQ(resolve_mixed(r, 1), -EPERM);
  EXPECT_EQ(resolve_mixed(r, 2), 0);
  EXPECT_EQ(resolve_mixed(r, 3), -EIO);
  EXPECT_EQ(resolve_mixed(r, 4), -ENOENT);  // search picked a branch that was not acted on
  EXPECT_EQ(resolve_mixed(r, std::nullopt), -ENOENT);
}

}  // namespace
}  // namespace mfs::policy
