// The bridge's dentry tree (fuse-bridge/node_table): node ids and their paths, lookup counts
// and forget, names keeping parents alive, rename and unlink, never-forget-nodes, "." and ".."
// lookups, and concurrent lookups counted exactly.
#include "fuse-bridge/node_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace mfs::bridge {
namespace {

TEST(NodeTable, TheRootIsThereFromTheStartAndNeverForgotten) {
  NodeTable t;
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.path(kRootId), std::optional<std::string>("/"));
  EXPECT_EQ(t.parent(kRootId), std::optional<NodeId>(kRootId));
  t.forget(kRootId, 100);
  EXPECT_EQ(t.path(kRootId), std::optional<std::string>("/"));
  EXPECT_EQ(t.size(), 1u);
}

TEST(NodeTable, IdsStartAfterTheControlFileAndAreNeverReused) {
  NodeTable t;
  const NodeId a = t.add_lookup(kRootId, "a");
  const NodeId b = t.add_lookup(kRootId, "b");
  EXPECT_EQ(a, 3u);  // 1 is the root, 2 the control file
  EXPECT_EQ(b, 4u);
  t.forget(a, 1);
  EXPECT_FALSE(t.path(a).has_value());
  const NodeId again = t.add_lookup(kRootId, "a");
  EXPECT_NE(again, a);
  EXPECT_GT(again, b);
  EXPECT_EQ(kGeneration, 1u);  // one generation is enough when ids are never reused
}

TEST(NodeTable, PathsAreBuiltFromTheNames) {
  NodeTable t;
  const NodeId a = t.add_lookup(kRootId, "a");
  const NodeId b = t.add_lookup(a, "b");
  const NodeId f = t.add_lookup(b, "file name");
  EXPECT_EQ(t.path(a), std::optional<std::string>("/a"));
  EXPECT_EQ(t.path(f), std::optional<std::string>("/a/b/file name"));
  EXPECT_EQ(t.child_path(kRootId, "x"), std::optional<std::string>("/x"));
  EXPECT_EQ(t.child_path(b, "y"), std::optional<std::string>("/a/b/y"));
  EXPECT_EQ(t.parent(f), std::optional<NodeId>(b));
  EXPECT_EQ(t.find(a, "b"), std::optional<NodeId>(b));
  EXPECT_FALSE(t.find(a, "nope").has_value());
  EXPECT_FALSE(t.path(999).has_value());
  EXPECT_FALSE(t.child_path(999, "x").has_value());
  EXPECT_FALSE(t.parent(999).has_value());
}

TEST(NodeTable, ANodeLivesUntilEveryLookupIsForgotten) {
  NodeTable t;
  const NodeId a = t.add_lookup(kRootId, "a");
  EXPECT_EQ(t.add_lookup(kRootId, "a"), a);
  EXPECT_EQ(t.add_lookup(kRootId, "a"), a);  // three lookups
  t.forget(a, 2);
  EXPECT_EQ(t.path(a), std::optional<std::string>("/a"));
  EXPECT_EQ(t.size(), 2u);
  t.forget(a, 1);
  EXPECT_FALSE(t.path(a).has_value());
  EXPECT_FALSE(t.find(kRootId, "a").has_value());
  EXPECT_EQ(t.size(), 1u);
}

TEST(NodeTable, ForgettingMoreThanWasLookedUpErasesOnceAndUnknownIdsAreIgnored) {
  NodeTable t;
  const NodeId a = t.add_lookup(kRootId, "a");
  t.forget(a, 1000);
  EXPECT_EQ(t.size(), 1u);
  t.forget(a, 1);
  t.forget(12345, 1);
  t.forget(kControlFileId, 1);
  EXPECT_EQ(t.size(), 1u);
}

TEST(NodeTable, NamedChildrenKeepTheirParentsPath) {
  NodeTable t;
  const NodeId d = t.add_lookup(kRootId, "d");
  const NodeId e = t.add_lookup(d, "e");
  const NodeId f = t.add_lookup(e, "f");
  t.forget(d, 1);
  t.forget(e, 1);
  EXPECT_EQ(t.path(f), std::optional<std::string>("/d/e/f"));
  EXPECT_EQ(t.size(), 4u);
  t.forget(f, 1);  // the last one: the chain above goes with it
  EXPECT_EQ(t.size(), 1u);
  EXPECT_FALSE(t.path(d).has_value());
}

TEST(NodeTable, RenameMovesTheNodeAndEverythingBelowIt) {
  NodeTable t;
  const NodeId d = t.add_lookup(kRootId, "d");
  const NodeId f = t.add_lookup(d, "f");
  const NodeId other = t.add_lookup(kRootId, "other");
  t.rename(kRootId, "d", other, "d2");
  EXPECT_EQ(t.path(d), std::optional<std::string>("/other/d2"));
  EXPECT_EQ(t.path(f), std::optional<std::string>("/other/d2/f"));
  EXPECT_EQ(t.find(other, "d2"), std::optional<NodeId>(d));
  EXPECT_FALSE(t.find(kRootId, "d").has_value());
  EXPECT_EQ(t.parent(d), std::optional<NodeId>(other));
  // `other` now holds a named child: forgetting it keeps its path.
  t.forget(other, 1);
  EXPECT_EQ(t.path(f), std::optional<std::string>("/other/d2/f"));
}

TEST(NodeTable, RenameOverAnExistingNameUnlinksTheNodeThatWasThere) {
  NodeTable t;
  const NodeId src = t.add_lookup(kRootId, "src");
  const NodeId dst = t.add_lookup(kRootId, "dst");
  t.rename(kRootId, "src", kRootId, "dst");
  EXPECT_EQ(t.find(kRootId, "dst"), std::optional<NodeId>(src));
  EXPECT_EQ(t.path(src), std::optional<std::string>("/dst"));
  // The replaced node has no name any more but lives (an open file) until forgotten.
  EXPECT_FALSE(t.path(dst).has_value());
  EXPECT_FALSE(t.parent(dst).has_value());
  EXPECT_EQ(t.size(), 3u);
  t.forget(dst, 1);
  EXPECT_EQ(t.size(), 2u);
}

TEST(NodeTable, RenameOfAnUnknownSourceOnlyDropsTheDestination) {
  NodeTable t;
  const NodeId dst = t.add_lookup(kRootId, "dst");
  t.rename(kRootId, "never-looked-up", kRootId, "dst");
  EXPECT_FALSE(t.find(kRootId, "dst").has_value());
  EXPECT_FALSE(t.path(dst).has_value());
  t.rename(kRootId, "x", kRootId, "y");  // neither known: nothing happens
  EXPECT_EQ(t.size(), 2u);
}

TEST(NodeTable, RenameOntoItselfKeepsTheNode) {
  NodeTable t;
  const NodeId a = t.add_lookup(kRootId, "a");
  t.rename(kRootId, "a", kRootId, "a");
  EXPECT_EQ(t.path(a), std::optional<std::string>("/a"));
  EXPECT_EQ(t.find(kRootId, "a"), std::optional<NodeId>(a));
}

TEST(NodeTable, RemovedNameLeavesTheNodeForOpenFilesUntilForgotten) {
  NodeTable t;
  const NodeId d = t.add_lookup(kRootId, "d");
  const NodeId f = t.add_lookup(d, "f");
  t.remove_name(d, "f");
  EXPECT_FALSE(t.path(f).has_value());
  EXPECT_FALSE(t.find(d, "f").has_value());
  EXPECT_EQ(t.size(), 3u);
  // A new file of that name is a new node.
  const NodeId f2 = t.add_lookup(d, "f");
  EXPECT_NE(f2, f);
  t.forget(f, 1);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.path(f2), std::optional<std::string>("/d/f"));
  t.remove_name(d, "not-there");
  EXPECT_EQ(t.size(), 3u);
}

TEST(NodeTable, KeepNamedNodesHoldsForgottenNodesWhileTheyHaveAName) {
  NodeTable t;
  t.keep_named_nodes(true);
  const NodeId d = t.add_lookup(kRootId, "d");
  const NodeId f = t.add_lookup(d, "f");
  t.forget(f, 1);
  t.forget(d, 1);
  EXPECT_EQ(t.path(f), std::optional<std::string>("/d/f"));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.add_lookup(d, "f"), f);  // the same id again, as an NFS file handle expects
  t.forget(f, 1);
  t.remove_name(d, "f");  // unnamed and forgotten: gone
  EXPECT_FALSE(t.path(f).has_value());
  EXPECT_EQ(t.size(), 2u);
}

TEST(NodeTable, WithoutKeepNamedNodesForgottenNodesGoEvenWithAName) {
  NodeTable t;
  const NodeId f = t.add_lookup(kRootId, "f");
  t.forget(f, 1);
  EXPECT_FALSE(t.find(kRootId, "f").has_value());
  EXPECT_EQ(t.size(), 1u);
}

TEST(NodeTable, RefCountsOneMoreLookup) {
  NodeTable t;
  const NodeId a = t.add_lookup(kRootId, "a");
  EXPECT_EQ(t.ref(a), std::optional<NodeId>(a));
  t.forget(a, 1);
  EXPECT_EQ(t.path(a), std::optional<std::string>("/a"));
  t.forget(a, 1);
  EXPECT_FALSE(t.path(a).has_value());
  EXPECT_FALSE(t.ref(a).has_value());
  EXPECT_EQ(t.ref(kRootId), std::optional<NodeId>(kRootId));
}

TEST(NodeTable, ConcurrentLookupsOfOneNameShareOneNodeAndAreAllCounted) {
  NodeTable t;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::vector<NodeId>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&t, &seen, i] {
      for (int k = 0; k < kPerThread; ++k) {
        seen[i].push_back(t.add_lookup(kRootId, "shared"));
        t.add_lookup(kRootId, "own" + std::to_string(i));
      }
    });
  for (auto& th : threads) th.join();
  const NodeId id = seen[0][0];
  for (const auto& ids : seen)
    for (NodeId n : ids) ASSERT_EQ(n, id);
  EXPECT_EQ(t.size(), 1u + 1u + kThreads);
  t.forget(id, kThreads * kPerThread - 1);
  EXPECT_EQ(t.path(id), std::optional<std::string>("/shared"));
  t.forget(id, 1);
  EXPECT_FALSE(t.path(id).has_value());
}

}  // namespace
}  // namespace mfs::bridge
