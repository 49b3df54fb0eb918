// The configurations every NamespaceOps test (namespace_ops_*_test.cpp) runs under: the
// fixture defaults, and the kernel caches on.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/namespace_ops_fixture.hpp"

namespace mfs::test::nsops {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Namespace, NamespaceOps,
    ::testing::Values(std::string(),  // the fixture defaults (cache.files=off)
                      std::string(",cache.files=full,cache.attr=10,cache.entry=10,"
                                  "cache.negative-entry=10")),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param.empty() ? std::string("Defaults") : std::string("KernelCaches");
    });

}  // namespace
}  // namespace mfs::test::nsops
