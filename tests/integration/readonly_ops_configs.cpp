// The configurations every ReadOnlyOps test (readonly_*_test.cpp) runs under: the fixture
// defaults, and the kernel caches on. Everything must hold with the caches off and on.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/readonly_ops_fixture.hpp"

namespace mfs::test::readonly {
namespace {

INSTANTIATE_TEST_SUITE_P(
    ReadOnly, ReadOnlyOps,
    ::testing::Values(std::string(),  // the fixture defaults (cache.files=off)
                      std::string("cache.files=full,cache.attr=10,cache.entry=10,"
                                  "cache.negative-entry=10,cache.readdir=true")),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param.empty() ? std::string("Defaults") : std::string("KernelCaches");
    });

}  // namespace
}  // namespace mfs::test::readonly
