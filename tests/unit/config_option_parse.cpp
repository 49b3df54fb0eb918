// Mount-time option parsing: -o strings, tokens, value types, routing, config files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "config/config.hpp"
#include "config/readdir_mode.hpp"
#include "config/strings.hpp"
#include "config_tmpdir.hpp"

namespace mfs::config {
namespace {

using policy::Func;
using policy::PolicyId;
using test::TmpDir;

PolicyId func_of(const Config& c, Func f) { return c.func[static_cast<size_t>(f)]; }

bool has_text(const std::vector<std::string>& v, const std::string& needle) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

struct Parsed {
  Config cfg;
  ParseOutcome out;
};

Parsed parse(const std::string& opts) {
  Parsed p;
  apply_option_string(p.cfg, opts, p.out);
  return p;
}

TEST(ConfigParse, DefaultsMatchMergerfs) {
  const Config c;
  EXPECT_EQ(c.minfreespace, 4294967295ull);
  EXPECT_TRUE(c.moveonenospc.enabled);
  EXPECT_EQ(c.moveonenospc.policy, PolicyId::pfrd);
  EXPECT_EQ(c.inodecalc, InodeCalc::hybrid_hash);
  EXPECT_EQ(func_of(c, Func::rmdir), PolicyId::epall);
  EXPECT_EQ(func_of(c, Func::mkdir), PolicyId::pfrd);
  EXPECT_EQ(func_of(c, Func::getattr), PolicyId::ff);
  EXPECT_EQ(c.fuse_msg_size, 256u);
  EXPECT_EQ(c.scheduling_priority, -10);
  EXPECT_EQ(c.cache_attr, 1.0);
  EXPECT_EQ(c.cache_entry, 1.0);
  EXPECT_EQ(c.cache_negative_entry, 0.0);
  EXPECT_EQ(c.cache_branch_entry, 1.0);
  EXPECT_EQ(c.branch_deadline, 5.0);
  EXPECT_EQ(c.flush_on_close, FlushOnClose::opened_for_write);
  EXPECT_TRUE(c.security_capability);
  EXPECT_TRUE(c.export_support);
  EXPECT_TRUE(c.kernel_permissions_check);
  EXPECT_EQ(c.process_thread_count, -1);
}

TEST(ConfigParse, BoolFormsAndBareKeyIsInvalid) {
  Parsed p = parse("link-cow=yes,dropcacheonclose=on,symlinkify=t,security-capability=no");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_TRUE(p.cfg.link_cow);
  EXPECT_TRUE(p.cfg.dropcacheonclose);
  EXPECT_TRUE(p.cfg.symlinkify);
  EXPECT_FALSE(p.cfg.security_capability);

  p = parse("link-cow");
  ASSERT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(p.out.errors[0].reason, "invalid value");
  EXPECT_EQ(p.out.errors[0].text, "link-cow");
  EXPECT_FALSE(p.cfg.link_cow);

  p = parse("link-cow=maybe");
  ASSERT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(format_error(p.out.errors[0]), "mergerfs: ERROR - invalid value - link-cow=maybe");
}

TEST(ConfigParse, NoforgetFamilyTreatsBareAndEmptyAsTrue) {
  for (const char* opt : {"noforget", "remember", "remember-nodes", "never-forget-nodes",
                          "never_forget_nodes=", "noforget=1", "remember=-1", "remember=true"}) {
    Parsed p = parse(opt);
    EXPECT_TRUE(p.out.errors.empty()) << opt;
    EXPECT_TRUE(p.cfg.never_forget_nodes) << opt;
  }
  Parsed p = parse("noforget,remember=0");
  EXPECT_FALSE(p.cfg.never_forget_nodes);
  p = parse("noforget=sometimes");
  EXPECT_EQ(p.out.errors.size(), 1u);
}

TEST(ConfigParse, BareValuedKeyIsNoValueSet) {
  for (const char* opt : {"minfreespace", "inodecalc", "func.open", "branches", "fsname"}) {
    Parsed p = parse(opt);
    ASSERT_EQ(p.out.errors.size(), 1u) << opt;
    EXPECT_EQ(p.out.errors[0].reason, "no value set") << opt;
  }
}

TEST(ConfigParse, UnderscoresBecomeDashesAndWhitespaceIsTrimmed) {
  Parsed p = parse(" statfs_ignore = ro , cache.negative_entry=2,func.readdir=cor:2,link_exdev=rel-symlink");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_EQ(p.cfg.statfs_ignore, StatfsIgnore::ro);
  EXPECT_EQ(p.cfg.cache_negative_entry, 2.0);
  EXPECT_EQ(p.cfg.func_readdir, (ReaddirMode{ReaddirMode::Kind::cor, 2, 0}));
  EXPECT_EQ(p.cfg.link_exdev, LinkExdev::rel_symlink);
  EXPECT_TRUE(p.out.notices.empty());
}

TEST(ConfigParse, EnumValuesAreUnderscoreSensitive) {
  Parsed p = parse("cache.files=auto_full");
  ASSERT_EQ(p.out.errors.size(), 1u) << "only keys are normalised, not values";
  EXPECT_EQ(p.cfg.cache_files, CacheFiles::off);
}

TEST(ConfigParse, LaterOptionsWin) {
  Parsed p = parse("func.rmdir=rand,category.action=ff");
  EXPECT_EQ(func_of(p.cfg, Func::rmdir), PolicyId::ff);
  p = parse("category.action=ff,func.rmdir=rand");
  EXPECT_EQ(func_of(p.cfg, Func::rmdir), PolicyId::rand);
  EXPECT_EQ(func_of(p.cfg, Func::unlink), PolicyId::ff);
  p = parse("minfreespace=1G,minfreespace=2M");
  EXPECT_EQ(p.cfg.minfreespace, 2ull << 20);
  Parsed q;
  apply_option_string(q.cfg, "cache.files=full", q.out);
  apply_option_string(q.cfg, "cache.files=partial", q.out);
  EXPECT_EQ(q.cfg.cache_files, CacheFiles::partial);
}

TEST(ConfigParse, CategorySetsOnlyItsFunctions) {
  Parsed p = parse("category.create=mfs");
  for (size_t i = 0; i < policy::kFuncCount; ++i) {
    const auto f = static_cast<Func>(i);
    const PolicyId want = policy::category_of(f) == policy::Category::create
                              ? PolicyId::mfs
                              : policy::default_policy(policy::category_of(f));
    EXPECT_EQ(p.cfg.func[i], want) << to_string(f);
  }
  p = parse("category.create=bogus,func.nope=ff");
  EXPECT_EQ(p.out.errors.size(), 1u);
  EXPECT_TRUE(has_text(p.out.notices, "func.nope"));
}

TEST(ConfigParse, SizeValuesAndOverflow) {
  Parsed p = parse("minfreespace=10G");
  EXPECT_EQ(p.cfg.minfreespace, 10ull << 30);
  p = parse("minfreespace=99999999999T");
  ASSERT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(p.out.errors[0].reason, "invalid value");
  EXPECT_EQ(p.cfg.minfreespace, 4294967295ull);
}

TEST(ConfigParse, PagesizeIsPagesOrRoundedUpBytesClamped) {
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(parse("fuse-msg-size=64").cfg.fuse_msg_size, 64u);
  EXPECT_EQ(parse("fuse-msg-size=1M").cfg.fuse_msg_size, (1u << 20) / page);
  EXPECT_EQ(parse("fuse_msg_size=" + std::to_string(page + 1) + "B").cfg.fuse_msg_size, 2u);
  EXPECT_EQ(parse("fuse-msg-size=1b").cfg.fuse_msg_size, 1u);
  EXPECT_EQ(parse("fuse-msg-size=0").cfg.fuse_msg_size, 1u);
  EXPECT_EQ(parse("fuse-msg-size=100000").cfg.fuse_msg_size, 65535u);
  EXPECT_EQ(parse("fuse-msg-size=1T").cfg.fuse_msg_size, 65535u);
  Parsed p = parse("fuse-msg-size=big");
  EXPECT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(p.cfg.fuse_msg_size, 256u);
}

TEST(ConfigParse, MoveOnEnospcForms) {
  EXPECT_EQ(parse("moveonenospc=false").cfg.moveonenospc.enabled, false);
  Parsed p = parse("moveonenospc=false,moveonenospc=true");
  EXPECT_TRUE(p.cfg.moveonenospc.enabled);
  EXPECT_EQ(p.cfg.moveonenospc.policy, PolicyId::pfrd);
  p = parse("moveonenospc=false,moveonenospc=lfs");
  EXPECT_TRUE(p.cfg.moveonenospc.enabled);
  EXPECT_EQ(p.cfg.moveonenospc.policy, PolicyId::lfs);
  EXPECT_EQ(get_value(p.cfg, "moveonenospc"), "lfs");
  EXPECT_EQ(parse("moveonenospc=nope").out.errors.size(), 1u);
}

TEST(ConfigParse, IntegerRanges) {
  EXPECT_EQ(parse("scheduling-priority=-20").cfg.scheduling_priority, -20);
  EXPECT_EQ(parse("scheduling-priority=19").cfg.scheduling_priority, 19);
  EXPECT_EQ(parse("scheduling-priority=20").out.errors.size(), 1u);
  EXPECT_EQ(parse("scheduling-priority=-21").out.errors.size(), 1u);
  EXPECT_EQ(parse("passthrough.max-stack-depth=2").cfg.passthrough_max_stack_depth, 2);
  EXPECT_EQ(parse("passthrough.max-stack-depth=3").out.errors.size(), 1u);
  EXPECT_EQ(parse("threads=-2").cfg.read_thread_count, -2);
  EXPECT_EQ(parse("process-thread-queue-depth=-1").out.errors.size(), 1u);
  EXPECT_EQ(parse("symlinkify-timeout=-1").cfg.symlinkify_timeout, -1);
  EXPECT_EQ(parse("branches-mount-timeout=-1").out.errors.size(), 1u);
  EXPECT_EQ(parse("readahead=1K").out.errors.size(), 1u) << "readahead is plain KiB";
}

TEST(ConfigParse, SecondsAcceptFractions) {
  Parsed p = parse("cache.attr=0.5,cache.entry=3,cache.negative-entry=2,cache.branch-entry=0");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_EQ(p.cfg.cache_attr, 0.5);
  EXPECT_EQ(p.cfg.cache_entry, 3.0);
  EXPECT_EQ(p.cfg.cache_negative_entry, 2.0);
  EXPECT_EQ(p.cfg.cache_branch_entry, 0.0);
  EXPECT_EQ(parse("cache.attr=-1").out.errors.size(), 1u);
  EXPECT_EQ(parse("branch-deadline=soon").out.errors.size(), 1u);
}

TEST(ConfigParse, ReaddirModes) {
  for (const char* ok : {"seq", "cosr", "cor", "cosr:4", "cor:0:0", "cosr:8:16"})
    EXPECT_TRUE(parse(std::string("func.readdir=") + ok).out.errors.empty()) << ok;
  for (const char* bad : {"", "seq:1", "cosr:", "cor:-1", "cosr:1:2:3", "COR", "cosr:a"})
    EXPECT_EQ(parse(std::string("func.readdir=") + bad).out.errors.size(), 1u) << bad;
}

// func.readdir is parsed once, into the typed field the readdir path reads.
TEST(ConfigParse, ReaddirModeIsParsedIntoTheConfig) {
  using K = ReaddirMode::Kind;
  EXPECT_EQ(Config{}.func_readdir, ReaddirMode{});
  EXPECT_EQ(parse("func.readdir=seq").cfg.func_readdir, (ReaddirMode{K::seq, 0, 0}));
  EXPECT_EQ(parse("func.readdir=cosr").cfg.func_readdir, (ReaddirMode{K::cosr, 0, 0}));
  EXPECT_EQ(parse("func.readdir=cor:3").cfg.func_readdir, (ReaddirMode{K::cor, 3, 0}));
  EXPECT_EQ(parse("func.readdir=cosr:8:16").cfg.func_readdir, (ReaddirMode{K::cosr, 8, 16}));
  // A rejected value leaves the previous mode.
  EXPECT_EQ(parse("func.readdir=cor:2,func.readdir=cor:x").cfg.func_readdir, (ReaddirMode{K::cor, 2, 0}));
}

TEST(ConfigParse, ReaddirModeReadsBackInItsShortestSpelling) {
  for (const char* s : {"seq", "cosr", "cor", "cosr:4", "cor:0:2", "cosr:8:16"}) {
    auto m = parse_readdir_mode(s);
    ASSERT_TRUE(m) << s;
    EXPECT_EQ(to_string(*m), s);
  }
  EXPECT_EQ(to_string(*parse_readdir_mode("cosr:0:0")), "cosr");
}

// cache.files.process-names is split once into the list open() compares the comm against.
TEST(ConfigParse, ProcessNamesAreSplitOnce) {
  EXPECT_EQ(Config{}.cache_files_process_names,
            (std::vector<std::string>{"rtorrent", "qbittorrent-nox"}));
  EXPECT_EQ(parse("cache.files.process-names=plex|jellyfin").cfg.cache_files_process_names,
            (std::vector<std::string>{"plex", "jellyfin"}));
  EXPECT_EQ(parse("cache.files.process-names=plex").cfg.cache_files_process_names,
            (std::vector<std::string>{"plex"}));
  EXPECT_TRUE(parse("cache.files.process-names=").cfg.cache_files_process_names.empty());
}

TEST(ConfigStrings, SplitAndJoinListRoundTrip) {
  EXPECT_EQ(split_list("a|b", '|'), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_list("a||b|", '|'), (std::vector<std::string>{"a", "", "b", ""}));
  EXPECT_EQ(split_list("", '|'), (std::vector<std::string>{""}));
  for (const char* s : {"a|b", "a||b|", "x", ""}) EXPECT_EQ(join_list(split_list(s, '|'), '|'), s);
}

TEST(ConfigParse, PinThreadsInvalidIsIgnoredWithNotice) {
  Parsed p = parse("pin-threads=R1P,pin-threads=sideways");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_EQ(p.cfg.pin_threads, PinThreads::R1P);
  EXPECT_TRUE(has_text(p.out.notices, "sideways"));
}

TEST(ConfigParse, ForwardsLibfuseAndKernelOptions) {
  Parsed p = parse("allow_other,default-permissions,ro,noatime,nosuid,max_read=131072,"
                   "subtype=x,dirsync");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_TRUE(p.out.notices.empty());
  EXPECT_EQ(p.out.passthrough,
            (std::vector<std::string>{"allow_other", "default_permissions", "ro", "noatime",
                                      "nosuid", "max_read=131072", "subtype=x", "dirsync"}));
}

TEST(ConfigParse, DropsFstabOnlyOptionsSilently) {
  Parsed p = parse("defaults,nofail,noauto,auto,user,nouser,users,_netdev,"
                   "x-systemd.mount-timeout=60,x-gvfs-show,comment=hi");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_TRUE(p.out.notices.empty());
  EXPECT_TRUE(p.out.passthrough.empty());
}

TEST(ConfigParse, UnknownOptionIsANoticeNotAnError) {
  Parsed p = parse("frobnicate=3,cache.files=full");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_TRUE(has_text(p.out.notices, "unknown option 'frobnicate=3'"));
  EXPECT_TRUE(p.out.passthrough.empty());
  EXPECT_EQ(p.cfg.cache_files, CacheFiles::full);
}

TEST(ConfigParse, NoopKeysAreAccepted) {
  Parsed p = parse("use_ino,direct_io,big_writes,atomic_o_trunc,splice_read,no_splice_move,"
                   "gid_cache.expire,hard_remove,nonempty,kernel_cache,auto_cache,cache.open=1");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_TRUE(p.out.passthrough.empty());
  EXPECT_TRUE(has_text(p.out.notices, "inodecalc")) << "use_ino points to its replacement";
  EXPECT_FALSE(has_text(p.out.notices, "unknown"));
}

TEST(ConfigParse, InfoKeysAreReadOnlyErrors) {
  Parsed p = parse("version=9,pid=1");
  ASSERT_EQ(p.out.errors.size(), 2u);
  EXPECT_EQ(p.out.errors[0].reason, "read-only option");
}

TEST(ConfigParse, EscapedCommaKeepsPerBranchMinfreespace) {
  TmpDir tmp;
  const std::string a = tmp.mkdir("a");
  Parsed p = parse("branches=" + a + "=RO\\,2G,mountpoint=/mnt/x");
  ASSERT_TRUE(p.out.errors.empty()) << p.out.errors[0].text;
  ASSERT_EQ(p.cfg.branches.size(), 1u);
  EXPECT_EQ(p.cfg.branches[0].minfreespace, std::optional<uint64_t>(2ull << 30));
  EXPECT_EQ(p.cfg.mountpoint, "/mnt/x");
}

TEST(ConfigParse, BranchErrorsNameTheElement) {
  Parsed p = parse("branches=/x=rw");
  ASSERT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(p.out.errors[0].reason, "invalid value");
  EXPECT_NE(p.out.errors[0].text.find("branches=/x=rw"), std::string::npos);
  EXPECT_NE(p.out.errors[0].text.find("'rw'"), std::string::npos) << p.out.errors[0].text;
  EXPECT_TRUE(p.cfg.branches.empty());
}

TEST(ConfigParse, MountAliasAndThreadsAlias) {
  Parsed p = parse("mount=/srv/pool,threads=3");
  EXPECT_EQ(p.cfg.mountpoint, "/srv/pool");
  EXPECT_EQ(p.cfg.read_thread_count, 3);
}

TEST(ConfigFile, ReadsKeyValueLinesCommentsAndBlanks) {
  TmpDir tmp;
  const std::string a = tmp.mkdir("a"), b = tmp.mkdir("b");
  const std::string file = tmp.write("pool.ini", "# a comment\n\n  cache.files = partial \n"
                                                 "branches=" + a + "=RW,1G:" + b + "=NC\n"
                                                 "noforget\n   # indented comment\n"
                                                 "allow_other\n"
                                                 "func.open=rand\r\n");
  Parsed p = parse("cache.files=full,config=" + file + ",func.getattr=newest");
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_EQ(p.cfg.cache_files, CacheFiles::partial);
  ASSERT_EQ(p.cfg.branches.size(), 2u) << "commas inside a config line are not separators";
  EXPECT_EQ(p.cfg.branches[0].minfreespace, std::optional<uint64_t>(1ull << 30));
  EXPECT_TRUE(p.cfg.never_forget_nodes);
  EXPECT_EQ(func_of(p.cfg, Func::open), PolicyId::rand);
  EXPECT_EQ(func_of(p.cfg, Func::getattr), PolicyId::newest);
  EXPECT_EQ(p.out.passthrough, std::vector<std::string>{"allow_other"});
}

TEST(ConfigFile, BadLinesAreCollectedAndGoodOnesApplied) {
  TmpDir tmp;
  const std::string file = tmp.write("x.conf", "inodecalc=weird\nlink-cow=true\nstatfs=nope\n");
  Parsed p = parse("config=" + file);
  ASSERT_EQ(p.out.errors.size(), 2u);
  EXPECT_EQ(p.out.errors[0].text, "inodecalc=weird");
  EXPECT_EQ(p.out.errors[1].text, "statfs=nope");
  EXPECT_TRUE(p.cfg.link_cow);
}

TEST(ConfigFile, NestsUpToFiveLevels) {
  TmpDir tmp;
  // level i sets readahead=i and includes level i+1
  for (int i = 1; i <= 5; ++i)
    tmp.write("l" + std::to_string(i),
              "readahead=" + std::to_string(i) + "\n" +
                  (i < 5 ? "config=" + tmp.sub("l" + std::to_string(i + 1)) + "\n" : ""));
  Parsed p = parse("config=" + tmp.sub("l1"));
  EXPECT_TRUE(p.out.errors.empty());
  EXPECT_EQ(p.cfg.readahead, 5u);
}

TEST(ConfigFile, SixthLevelIsEloop) {
  TmpDir tmp;
  for (int i = 1; i <= 6; ++i)
    tmp.write("l" + std::to_string(i),
              "readahead=" + std::to_string(i) + "\n" +
                  (i < 6 ? "config=" + tmp.sub("l" + std::to_string(i + 1)) + "\n" : ""));
  Parsed p = parse("config=" + tmp.sub("l1"));
  ASSERT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(p.out.errors[0].reason, "too many levels of config");
  EXPECT_EQ(p.cfg.readahead, 5u) << "levels 1..5 applied, the 6th never read";
}

TEST(ConfigFile, SelfIncludeStopsWithOneEloop) {
  TmpDir tmp;
  const std::string self = tmp.sub("self");
  tmp.write("self", "config=" + self + "\nlink-cow=true\n");
  Parsed p = parse("config=" + self);
  ASSERT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(format_error(p.out.errors[0]),
            "mergerfs: ERROR - too many levels of config - config=" + self);
  EXPECT_TRUE(p.cfg.link_cow);
}

TEST(ConfigFile, MissingFileIsAnError) {
  Parsed p = parse("config=/nonexistent/mergerfs.ini,link-cow=true");
  ASSERT_EQ(p.out.errors.size(), 1u);
  EXPECT_EQ(p.out.errors[0].text, "config=/nonexistent/mergerfs.ini");
  EXPECT_TRUE(p.cfg.link_cow);
  EXPECT_EQ(parse("config").out.errors.at(0).reason, "no value set");
}

}  // namespace
}  // namespace mfs::config
