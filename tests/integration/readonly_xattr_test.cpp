// Read-only ops on the pool vs a plain directory: getxattr and listxattr.
#include <gtest/gtest.h>

#include "tests/integration/readonly_ops_fixture.hpp"

namespace mfs::test::readonly {
namespace {

TEST_P(ReadOnlyOps, GetxattrMatchesPlainDirectory) {
  struct Case {
    std::string rel, name;
    size_t size;
    bool follow;
  };
  for (const Case& c :
       std::vector<Case>{{"xfile", "user.test", 256, true},
                         {"xfile", "user.test", 0, true},   // size query
                         {"xfile", "user.test", 12, true},  // exactly fits
                         {"xfile", "user.test", 3, true},   // ERANGE
                         {"xfile", "user.second", 256, true},
                         {"xfile", "user.missing", 256, true},  // ENODATA
                         {"xfile", "user.missing", 0, true},
                         {"file_a", "user.test", 256, true},  // ENODATA
                         {"xfile", "security.capability", 256, true},
                         {"xfile", "trusted.nothing", 256, true},
                         {"link_x", "user.test", 256, true},     // follows the symlink
                         {"link_x", "user.test", 256, false},    // the symlink itself: ENODATA
                         {"shared", "user.dirattr", 256, true},  // a directory
                         {"", "user.rootattr", 256, true},       // the pool root
                         {"", "user.rootattr", 2, true},
                         {"missing", "user.test", 256, true},  // ENOENT
                         {"nodir/x", "user.test", 256, true},
                         {"file_a/x", "user.test", 256, true},  // ENOTDIR
                         {"fifo", "user.test", 256, false}}) {
    auto a = do_getxattr(P(c.rel), c.name, c.size, c.follow);
    auto b = do_getxattr(L(c.rel), c.name, c.size, c.follow);
    std::string label = (c.follow ? "getxattr " : "lgetxattr ") + c.rel + " " + c.name +
                        " size=" + std::to_string(c.size);
    expect_same(a.o, b.o, label);
    EXPECT_EQ(a.value, b.value) << label;
  }
  EXPECT_EQ(do_getxattr(P("xfile"), "user.test", 256).value, "hello, xattr");
  EXPECT_EQ(do_getxattr(P("xfile"), "user.test", 3).o.err, ERANGE);
  EXPECT_EQ(do_getxattr(P("xfile"), "user.missing", 256).o.err, ENODATA);
}

TEST_P(ReadOnlyOps, ListxattrMatchesPlainDirectory) {
  struct Case {
    std::string rel;
    size_t size;
    bool follow;
  };
  for (const Case& c : std::vector<Case>{{"xfile", 1024, true},
                                         {"xfile", 0, true},
                                         {"xfile", 3, true},  // ERANGE
                                         {"file_a", 1024, true},
                                         {"file_a", 0, true},
                                         {"link_x", 1024, true},
                                         {"link_x", 1024, false},
                                         {"shared", 1024, true},
                                         {"", 1024, true},
                                         {"missing", 1024, true},
                                         {"file_a/x", 1024, true}}) {
    auto a = do_listxattr(P(c.rel), c.size, c.follow);
    auto b = do_listxattr(L(c.rel), c.size, c.follow);
    std::string label =
        (c.follow ? "listxattr " : "llistxattr ") + c.rel + " size=" + std::to_string(c.size);
    expect_same(a.o, b.o, label);
    EXPECT_EQ(a.value, b.value) << label;
  }
  auto l = do_listxattr(P("xfile"), 1024);
  EXPECT_NE(l.value.find(std::string("user.test\0", 10)), std::string::npos);
  EXPECT_NE(l.value.find(std::string("user.second\0", 12)), std::string::npos);
}

}  // namespace
}  // namespace mfs::test::readonly
