// The mountinfo parser: fields, \ooo escapes, the top-most mount on a mountpoint.
#include <gtest/gtest.h>

#include "config/mountinfo.hpp"

namespace mfs::config {
namespace {

TEST(Mountinfo, UnescapesOctalEscapes) {
  EXPECT_EQ(unescape_mountinfo("/mnt/my\\040pool"), "/mnt/my pool");
  EXPECT_EQ(unescape_mountinfo("a\\011b\\012c\\134d"), "a\tb\nc\\d");
  EXPECT_EQ(unescape_mountinfo("/plain"), "/plain");
  // Not three octal digits: kept as written.
  EXPECT_EQ(unescape_mountinfo("a\\09b"), "a\\09b");
  EXPECT_EQ(unescape_mountinfo("end\\04"), "end\\04");
  EXPECT_EQ(unescape_mountinfo("end\\"), "end\\");
}

TEST(Mountinfo, ParsesALine) {
  auto e = parse_mountinfo_line(
      "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->device, "98:0");
  EXPECT_EQ(e->root, "/mnt1");
  EXPECT_EQ(e->mountpoint, "/mnt/parent");
  EXPECT_EQ(e->fstype, "ext3");
  EXPECT_EQ(e->source, "/dev/root");
}

TEST(Mountinfo, DecodesAMountpointWithASpace) {
  auto e = parse_mountinfo_line(
      "120 30 0:52 / /mnt/my\\040pool rw,nosuid,nodev,relatime - fuse.mergerfs a\\040b:c rw");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->device, "0:52");
  EXPECT_EQ(e->mountpoint, "/mnt/my pool");
  EXPECT_EQ(e->fstype, "fuse.mergerfs");
  EXPECT_EQ(e->source, "a b:c");
}

TEST(Mountinfo, ShortLineIsNoEntry) {
  EXPECT_FALSE(parse_mountinfo_line(""));
  EXPECT_FALSE(parse_mountinfo_line("36 35 98:0 /"));
}

TEST(Mountinfo, TopMountIsTheLastListed) {
  const std::string text =
      "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "50 1 0:40 / /mnt/my\\040pool rw - fuse.mergerfs old rw\n"
      "51 1 0:41 / /mnt/other rw - tmpfs tmpfs rw\n"
      "52 50 0:42 / /mnt/my\\040pool rw - fuse.mergerfs new rw\n";
  EXPECT_EQ(top_mount_device(text, "/mnt/my pool"), "0:42");
  EXPECT_EQ(top_mount_device(text, "/mnt/other"), "0:41");
  EXPECT_EQ(top_mount_device(text, "/mnt/my\\040pool"), "");
  EXPECT_EQ(top_mount_device(text, "/mnt/none"), "");
  EXPECT_EQ(top_mount_device("", "/"), "");
}

TEST(Mountinfo, ReadsThisProcessesMounts) {
  EXPECT_NE(top_mount_device(read_mountinfo(), "/"), "");
}

}  // namespace
}  // namespace mfs::config
