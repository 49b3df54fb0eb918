// Which tests show that each option acts. The key list is generated from the parser's own
// option table (tools/options_table --keys, see tests/CMakeLists.txt): a key without an entry
// here stops this file from compiling, and the test below fails if an entry names a test that
// does not exist or a key the table no longer has.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

namespace mfs::test {
namespace {

struct Coverage {
  std::string_view key;
  std::string_view tests;  // full gtest names, space-separated
};

constexpr Coverage kCoverage[] = {
    {"branches", "ControlFile.BranchInstructionsChangeThePoolLive Cli.PositionalBranchesAndGlobs"},
    {"mountpoint", "OpsInstall.ConfigFileAloneMountsLikeTheSystemdUnit"},
    {"config", "OpsInstall.ConfigFileAloneMountsLikeTheSystemdUnit "
               "OptionInodeCalc.PathHashDependsOnlyOnThePath"},
    {"minfreespace", "OptionMinFreeSpace.BranchWithLessFreeSpaceIsSkippedByCreate "
                     "OptionMinFreeSpace.PerBranchValueOverridesTheGlobalOne"},
    {"moveonenospc", "MoveOnEnospc.WritePastAFullBranchMovesTheFile MoveOnEnospc.OffTheWriteFailsEnospc"},
    {"inodecalc", "OptionInodeCalc.PassthroughIsTheBranchInode "
                  "OptionInodeCalc.PathHashDependsOnlyOnThePath "
                  "OptionInodeCalc.DevinoHashDependsOnTheBranchAndItsInode "
                  "OptionInodeCalc.HybridHashesDirectoriesByPathAndFilesByInode"},
    {"func.access", "OptionFunc/SearchFunc.SeesTheCopyItsPolicyPicks/access"},
    {"func.chmod", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/chmod"},
    {"func.chown", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/chown"},
    {"func.create", "OptionFunc/CreateFunc.LandsOnTheBranchThePolicyPicks/create"},
    {"func.getattr", "OptionFunc/SearchFunc.SeesTheCopyItsPolicyPicks/getattr"},
    {"func.getxattr", "OptionFunc/SearchFunc.SeesTheCopyItsPolicyPicks/getxattr"},
    {"func.link", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/link"},
    {"func.listxattr", "OptionFunc/SearchFunc.SeesTheCopyItsPolicyPicks/listxattr"},
    {"func.mkdir", "OptionFunc/CreateFunc.LandsOnTheBranchThePolicyPicks/mkdir"},
    {"func.mknod", "OptionFunc/CreateFunc.LandsOnTheBranchThePolicyPicks/mknod"},
    {"func.open", "OptionFunc/SearchFunc.SeesTheCopyItsPolicyPicks/open"},
    {"func.readlink", "OptionFunc/SearchFunc.SeesTheCopyItsPolicyPicks/readlink"},
    {"func.removexattr", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/removexattr"},
    {"func.rename", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/rename"},
    {"func.rmdir", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/rmdir"},
    {"func.setxattr", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/setxattr"},
    {"func.symlink", "OptionFunc/CreateFunc.LandsOnTheBranchThePolicyPicks/symlink"},
    {"func.truncate", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/truncate"},
    {"func.unlink", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/unlink"},
    {"func.utimens", "OptionFunc/ActionFunc.ActsOnlyWhereThePolicySays/utimens"},
    {"func.readdir", "OptionRules.ReaddirCosrAndCorReadBranchesOnTheirOwnThreads "
                     "OptionReaddir/ReaddirMode.ListsTheMergedSetOnce/cor "
                     "OptionReaddir.InvalidValueFailsTheMount"},
    {"category.action", "OptionCategory.ActionSetsEveryActionFunction "
                        "OptionCategory.LaterOptionWinsOverEarlierOne"},
    {"category.create", "OptionCategory.CreateSetsEveryCreateFunction"},
    {"category.search", "OptionCategory.SearchSetsEverySearchFunction"},
    {"ignorepponrename", "NamespaceRename.IgnorePathPreservingOnRenameUsesCreatePath"},
    {"link-exdev", "OptionRules.LinkExdevPicksTheSymlinkFallback"},
    {"rename-exdev", "OptionRules.RenameExdevMovesTheSourceAsideBehindASymlink"},
    {"link-cow", "OptionRules.LinkCowBreaksTheHardLinkBeforeAWrite"},
    {"symlinkify", "OptionRules.SymlinkifyShowsOldReadOnlyFilesAsLinksAfterTheTimeout"},
    {"symlinkify-timeout", "OptionRules.SymlinkifyShowsOldReadOnlyFilesAsLinksAfterTheTimeout"},
    {"follow-symlinks", "OptionRules.FollowSymlinksReportsTheTargetForTheChosenTypes"},
    {"nfsopenhack", "OptionRules.NfsOpenHackOpensAnEmptyReadOnlyFileForWrite"},
    {"statfs", "OptionRules.StatfsFullCountsOnlyBranchesHoldingThePath"},
    {"statfs-ignore", "OptionRules.StatfsIgnoreZeroesTheFreeSpaceOfRoOrNcBranches"},
    {"xattr", "OptionRules.XattrModesAnswerWithoutTouchingTheBranches"},
    {"security-capability", "OptionRules.SecurityCapabilityFalseAnswersEnoattrWithoutTheBranches"},
    {"posix-acl", "OptionMount.PosixAclLetsTheKernelHonourAccessAcls"},
    {"never-forget-nodes", "OptionMount.ExportSupportAndNeverForgetNodesKeepOldFileHandlesWorking"},
    {"export-support", "OptionMount.ExportSupportAndNeverForgetNodesKeepOldFileHandlesWorking"},
    {"kernel-permissions-check", "OptionMount.KernelPermissionsCheckAddsDefaultPermissions"},
    {"allow-idmap", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"handle-killpriv", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack "
                        "DataPath.WriteClearsSetIdBitsAsTmpfsDoes"},
    {"handle-killpriv-v2", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"lazy-umount-mountpoint", "OpsLifecycle.LiveUpgradeWithLazyUmountReplacesAnIdleInstance "
                               "OpsLifecycle.WithoutLazyUmountTheNewInstanceStacksOnTop"},
    {"branches-mount-timeout", "BranchesMountTimeout.WaitsForADiskThatArrives "
                               "BranchesMountTimeout.WithoutFailItMountsAfterTheTimeout"},
    {"branches-mount-timeout-fail", "BranchesMountTimeout.BareDirectoriesFailAfterTheTimeoutWithFail"},
    {"nullrw", "OptionRules.NullrwReadsZerosAndWritesNothing"},
    {"dropcacheonclose", "OptionRules.DropcacheoncloseEvictsTheBranchFilesPages"},
    {"direct-io-allow-mmap", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack "
                             "DataPath.SharedWritableMmapWithDefaultOptions"},
    {"async-read", "OptionMount.AsyncReadIsAskedForOnlyWhenOn"},
    {"fuse-msg-size", "OptionMount.FuseMsgSizeBoundsTheWriteRequests"},
    {"readahead", "OptionMount.ReadaheadIsSetOnThePoolsDevice"},
    {"flush-on-close", "OptionMount.FlushOnCloseDecidesWhichClosesSendFlush"},
    {"parallel-direct-writes", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"passthrough.io", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"passthrough.max-stack-depth", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"proxy-ioprio", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"scheduling-priority", "OptionMount.SchedulingPriorityIsEveryThreadsNiceValue"},
    {"read-thread-count", "OptionMount.ReadThreadCountCapsTheFuseWorkers"},
    {"process-thread-count", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"process-thread-queue-depth", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"pin-threads", "OptionMount.KeysWithoutEffectHereAreValidatedAndReadBack"},
    {"cache.files", "OptionCache.FilesModeDecidesWhetherAnOpenKeepsThePageCache "
                    "DataPath.SharedWritableMmapWithDefaultOptions"},
    {"cache.files.process-names", "OptionCache.FilesModeDecidesWhetherAnOpenKeepsThePageCache"},
    {"cache.attr", "OptionCache.AttrTtlKeepsAttributesAChangeOnTheBranchDoesNotReach"},
    {"cache.entry", "OptionCache.EntryTtlKeepsANameRemovedOnTheBranch"},
    {"cache.negative-entry", "OptionCache.NegativeEntryTtlHidesANameCreatedOnTheBranch"},
    {"cache.statfs", "ActorCore.FreeSpaceDropsByBytesWrittenBeforeRefresh"},
    {"cache.symlinks", "OptionCache.SymlinksTrueKeepsALinkTargetTheBranchChanged"},
    {"cache.readdir", "OptionCache.ReaddirTrueKeepsAListingTheBranchChanged"},
    {"cache.writeback", "OptionCache.WritebackOpensWriteOnlyFilesReadWriteWithoutAppend"},
    {"cache.branch-entry", "ActorCore.OutOfBandCreateVisibleWithinTtl ActorCore.CacheOffSeesOutOfBandAtOnce"},
    {"branch-deadline", "ActorCore.HungBranchStallsOnlyWhatNeedsIt"},
    {"fsname", "OptionMount.FsnameNamesTheMountSource"},
    {"rebalance.threshold", "Rebalance.SkewedPoolEndsWithinThresholdWithEveryFileIntact "
                            "Rebalance.IncludeExcludeAndSizeBoundsLimitWhatMoves"},
    {"rebalance.include", "Rebalance.IncludeExcludeAndSizeBoundsLimitWhatMoves"},
    {"rebalance.exclude", "Rebalance.IncludeExcludeAndSizeBoundsLimitWhatMoves"},
    {"rebalance.min-size", "Rebalance.IncludeExcludeAndSizeBoundsLimitWhatMoves"},
    {"rebalance.max-size", "Rebalance.IncludeExcludeAndSizeBoundsLimitWhatMoves"},
    {"debug", "OpsLogging.DebugTracesToLogFileAndSwitchesAtRuntime"},
    {"log.file", "OpsLogging.DebugTracesToLogFileAndSwitchesAtRuntime"},
    {"version", "OptionMount.VersionAndPidDescribeTheRunningDaemon"},
    {"pid", "OptionMount.VersionAndPidDescribeTheRunningDaemon"},
    {"srcmounts", "OptionMount.SrcmountsReadsTheBranchesAndIgnoresWrites"},
    {"uid", "OptionMount.UidGidUmaskAreAcceptedWithAWarningAndChangeNothing"},
    {"gid", "OptionMount.UidGidUmaskAreAcceptedWithAWarningAndChangeNothing"},
    {"umask", "OptionMount.UidGidUmaskAreAcceptedWithAWarningAndChangeNothing"},
    {"atomic-o-trunc", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"auto-cache", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"big-writes", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"cache.open", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"defaults", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"direct-io", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"gid-cache.*", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"hard-remove", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"kernel-cache", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"negative-entry", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"no-splice-*", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"nonempty", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"splice-*", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
    {"use-ino", "OptionMount.OldFstabNoOpKeysMountAndChangeNothing"},
};

constexpr bool covered(std::string_view key) {
  for (const auto& c : kCoverage)
    if (c.key == key && !c.tests.empty()) return true;
  return false;
}

// One static_assert per key of the option table.
#define OPTION_KEY(k) static_assert(covered(k), "option `" k "` has no behavioural test in option_coverage.cpp");
#include "option_keys.inc"
#undef OPTION_KEY

#define OPTION_KEY(k) k,
constexpr std::string_view kTableKeys[] = {
#include "option_keys.inc"
};
#undef OPTION_KEY

std::set<std::string> registered_tests() {
  std::set<std::string> out;
  const auto* ut = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < ut->total_test_suite_count(); ++i) {
    const auto* suite = ut->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j)
      out.insert(std::string(suite->name()) + "." + suite->GetTestInfo(j)->name());
  }
  return out;
}

TEST(OptionCoverage, EveryEntryNamesExistingTestsForAKeyOfTheTable) {
  const auto tests = registered_tests();
  for (const auto& c : kCoverage) {
    bool in_table = false;
    for (auto k : kTableKeys) in_table |= k == c.key;
    EXPECT_TRUE(in_table) << c.key << " is not in the option table any more";
    std::string list(c.tests);
    for (size_t pos = 0; pos < list.size();) {
      size_t end = list.find(' ', pos);
      if (end == std::string::npos) end = list.size();
      std::string name = list.substr(pos, end - pos);
      if (!name.empty()) {
        EXPECT_TRUE(tests.count(name)) << c.key << ": no test named " << name;
      }
      pos = end + 1;
    }
  }
}

}  // namespace
}  // namespace mfs::test
