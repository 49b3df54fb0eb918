// The move journal: records round-trip exactly (paths of any bytes, the older key=value form
// still read), and start-up recovery finishes or rolls back the one move a journal describes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "actors/migration/move_journal.hpp"
#include "config_tmpdir.hpp"

namespace mfs {
namespace {

using config::test::TmpDir;

void expect_same(const MoveRecord& a, const MoveRecord& b) {
  EXPECT_EQ(a.phase, b.phase);
  EXPECT_EQ(a.src, b.src);
  EXPECT_EQ(a.dst, b.dst);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.staged, b.staged);
  EXPECT_EQ(a.src_ino, b.src_ino);
  EXPECT_EQ(a.staged_ino, b.staged_ino);
}

TEST(MoveRecordText, IsOneJsonObjectThatRoundTrips) {
  MoveRecord rec{"staged",
                 "/mnt/a",
                 "/mnt/b",
                 "/dir/café \"q\"\\",
                 "/.mergerfs.staging/café_abc123",
                 18446744073709551615ull,
                 42};
  std::string text = encode_record(rec);
  EXPECT_EQ(text.front(), '{');
  EXPECT_EQ(text.find('\n'), text.size() - 1);  // one line
  MoveRecord back;
  ASSERT_TRUE(decode_record(text, back));
  expect_same(back, rec);
}

TEST(MoveRecordText, PathsThatAreNotUtf8RoundTripAsBytes) {
  std::string odd = "/l\xe9gacy/\xff\xfe\n%25/\x01";
  MoveRecord rec{"committed", "/mnt/\x80", "/mnt/b", odd, "/.mergerfs.staging/\xe9_x", 1, 2};
  std::string text = encode_record(rec);
  EXPECT_NE(text.find("\"path\":["), std::string::npos) << text;
  EXPECT_NE(text.find("\"dst\":\"/mnt/b\""), std::string::npos) << text;
  MoveRecord back;
  ASSERT_TRUE(decode_record(text, back));
  expect_same(back, rec);
}

TEST(MoveRecordText, OlderKeyValueRecordsStillRead) {
  std::string text =
      "phase=staged\nsrc=/mnt/a\ndst=/mnt/b\npath=/x%25y%0az\xff\n"
      "staged=/.mergerfs.staging/x_abc\nsrc_ino=12\nstaged_ino=34\n";
  MoveRecord rec;
  ASSERT_TRUE(decode_record(text, rec));
  expect_same(rec, MoveRecord{"staged", "/mnt/a", "/mnt/b", "/x%y\nz\xff",
                              "/.mergerfs.staging/x_abc", 12, 34});
}

TEST(MoveRecordText, BrokenOrIncompleteRecordsAreRefused) {
  MoveRecord rec;
  EXPECT_FALSE(decode_record("{\"path\":\"/x\",\"dst\":", rec));         // torn write
  EXPECT_FALSE(decode_record("{\"path\":\"/x\",\"dst\":\"/b\"}", rec));  // no staged
  EXPECT_FALSE(decode_record("{\"path\":[300],\"dst\":\"/b\",\"staged\":\"/s\"}", rec));
  EXPECT_FALSE(decode_record("phase=staged\n", rec));
  EXPECT_FALSE(decode_record("", rec));
}

// Two branches in a temp dir, with O_PATH root fds as the pool holds them.
class MoveRecovery : public ::testing::Test {
 protected:
  void SetUp() override {
    a = t.mkdir("a");
    b = t.mkdir("b");
    a_fd = ::open(a.c_str(), O_PATH | O_DIRECTORY);
    b_fd = ::open(b.c_str(), O_PATH | O_DIRECTORY);
    ASSERT_GE(a_fd, 0);
    ASSERT_GE(b_fd, 0);
  }
  void TearDown() override {
    ::close(a_fd);
    ::close(b_fd);
  }
  std::vector<std::string> recover() { return recover_moves({{a, a_fd}, {b, b_fd}}); }
  static bool exists(const std::string& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0;
  }
  static struct stat stat_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
  }
  // A move of /f from a to b whose copy is already renamed into place on b.
  MoveRecord committed_move() {
    t.write("a/f", "data");
    t.write("b/f", "data");
    struct stat src = stat_of(a + "/f");
    struct timespec ts[2] = {src.st_atim, src.st_mtim};
    EXPECT_EQ(::utimensat(AT_FDCWD, (b + "/f").c_str(), ts, 0), 0);
    return MoveRecord{"committed",
                      a,
                      b,
                      "/f",
                      "/.mergerfs.staging/f_abcdef",
                      src.st_ino,
                      stat_of(b + "/f").st_ino};
  }
  std::string joined(const std::vector<std::string>& log) {
    std::string out;
    for (const auto& l : log) out += l + "\n";
    return out;
  }

  TmpDir t;
  std::string a, b;
  int a_fd = -1, b_fd = -1;
};

TEST_F(MoveRecovery, JournalWrittenAndReadBackExactly) {
  MoveRecord rec{"staging", a, b, std::string("/\xff\xfe", 3), "/.mergerfs.staging/x", 7, 0};
  ASSERT_EQ(journal_write(a_fd, rec), 0);
  MoveRecord back;
  ASSERT_TRUE(journal_read(a_fd, back));
  expect_same(back, rec);
  ASSERT_EQ(journal_clear(a_fd), 0);
  EXPECT_FALSE(journal_read(a_fd, back));
}

TEST_F(MoveRecovery, StagedCopyNotYetInPlaceIsRemovedAndTheSourceKept) {
  t.write("a/f", "data");
  t.mkdir("b/.mergerfs.staging");
  t.write("b/.mergerfs.staging/f_abcdef", "da");
  MoveRecord rec{"staging", a, b, "/f", "/.mergerfs.staging/f_abcdef", stat_of(a + "/f").st_ino, 0};
  ASSERT_EQ(journal_write(a_fd, rec), 0);
  auto log = recover();
  EXPECT_NE(joined(log).find("rolled back"), std::string::npos) << joined(log);
  EXPECT_TRUE(exists(a + "/f"));
  EXPECT_FALSE(exists(b + "/f"));
  EXPECT_FALSE(exists(b + "/.mergerfs.staging"));
  EXPECT_FALSE(exists(a + "/.mergerfs.staging"));  // journal cleared, folder released
}

TEST_F(MoveRecovery, CopyInPlaceFinishesByRemovingTheUnchangedSource) {
  ASSERT_EQ(journal_write(a_fd, committed_move()), 0);
  auto log = recover();
  EXPECT_NE(joined(log).find("finished"), std::string::npos) << joined(log);
  EXPECT_FALSE(exists(a + "/f"));
  EXPECT_TRUE(exists(b + "/f"));
}

TEST_F(MoveRecovery, CopyInPlaceIsRemovedWhenTheSourceChanged) {
  MoveRecord rec = committed_move();
  t.write("a/f", "data, then more");  // same inode, new size
  ASSERT_EQ(journal_write(a_fd, rec), 0);
  auto log = recover();
  EXPECT_NE(joined(log).find("the source changed"), std::string::npos) << joined(log);
  EXPECT_TRUE(exists(a + "/f"));
  EXPECT_FALSE(exists(b + "/f"));
}

TEST_F(MoveRecovery, CopyThatIsNotOursIsNeverTouched) {
  MoveRecord rec = committed_move();
  rec.staged_ino += 1;  // b/f is some other file
  ASSERT_EQ(journal_write(a_fd, rec), 0);
  auto log = recover();
  EXPECT_NE(joined(log).find("nothing of"), std::string::npos) << joined(log);
  EXPECT_TRUE(exists(a + "/f"));
  EXPECT_TRUE(exists(b + "/f"));
}

TEST_F(MoveRecovery, MoveWhoseSourceIsGoneWasComplete) {
  MoveRecord rec = committed_move();
  ASSERT_EQ(::unlink((a + "/f").c_str()), 0);
  ASSERT_EQ(journal_write(a_fd, rec), 0);
  auto log = recover();
  EXPECT_NE(joined(log).find("was complete"), std::string::npos) << joined(log);
  EXPECT_TRUE(exists(b + "/f"));
}

TEST_F(MoveRecovery, JournalKeptWhileItsTargetIsNotInThePool) {
  MoveRecord rec = committed_move();
  ASSERT_EQ(journal_write(a_fd, rec), 0);
  auto log = recover_moves({{a, a_fd}});
  EXPECT_NE(joined(log).find("not in the pool"), std::string::npos) << joined(log);
  MoveRecord still;
  EXPECT_TRUE(journal_read(a_fd, still));
  EXPECT_TRUE(exists(a + "/f"));
}

// A branch that did not answer at start-up is in the pool with no root (-1): its own journal
// and staging folder, and a journal elsewhere that points at it, wait for the next start.
TEST_F(MoveRecovery, BranchWithoutARootIsLeftForTheNextStart) {
  ASSERT_EQ(journal_write(a_fd, committed_move()), 0);
  t.mkdir("b/.mergerfs.staging");
  t.write("b/.mergerfs.staging/leftover", "x");
  auto log = recover_moves({{a, a_fd}, {b, -1}});
  EXPECT_NE(joined(log).find("is not open; journal kept for the next start"), std::string::npos)
      << joined(log);
  MoveRecord still;
  EXPECT_TRUE(journal_read(a_fd, still));
  EXPECT_TRUE(exists(a + "/f"));
  EXPECT_TRUE(exists(b + "/.mergerfs.staging/leftover"));
}

TEST_F(MoveRecovery, AbandonedRecoveryStartsNoStep) {
  ASSERT_EQ(journal_write(a_fd, committed_move()), 0);
  t.mkdir("b/.mergerfs.staging");
  t.write("b/.mergerfs.staging/leftover", "x");
  std::atomic<bool> abandoned{true};
  EXPECT_TRUE(recover_moves({{a, a_fd}, {b, b_fd}}, &abandoned).empty());
  MoveRecord still;
  EXPECT_TRUE(journal_read(a_fd, still));
  EXPECT_TRUE(exists(a + "/f"));
  EXPECT_TRUE(exists(b + "/.mergerfs.staging/leftover"));
}

TEST_F(MoveRecovery, OlderKeyValueJournalIsRecovered) {
  MoveRecord rec = committed_move();
  t.mkdir("a/.mergerfs.staging");
  std::ostringstream text;
  text << "phase=committed\nsrc=" << a << "\ndst=" << b << "\npath=/f\n"
       << "staged=/.mergerfs.staging/f_abcdef\nsrc_ino=" << rec.src_ino
       << "\nstaged_ino=" << rec.staged_ino << "\n";
  t.write("a/.mergerfs.staging/journal", text.str());
  auto log = recover();
  EXPECT_NE(joined(log).find("finished"), std::string::npos) << joined(log);
  EXPECT_FALSE(exists(a + "/f"));
  EXPECT_FALSE(exists(a + "/.mergerfs.staging"));
}

TEST_F(MoveRecovery, LeftoverTempFilesAreSweptButFoldersStay) {
  t.mkdir("b/.mergerfs.staging/sub");
  t.write("b/.mergerfs.staging/x_123456", "tmp");
  auto log = recover();
  EXPECT_NE(joined(log).find("removed leftover"), std::string::npos) << joined(log);
  EXPECT_FALSE(exists(b + "/.mergerfs.staging/x_123456"));
  EXPECT_TRUE(exists(b + "/.mergerfs.staging/sub"));
}

}  // namespace
}  // namespace mfs
