// Names of mergerfs's policies and of the functions/categories that take one.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mfs::policy {

enum class PolicyId : uint8_t {
  all, epall, epff, eplfs, eplus, epmfs, eppfrd, eprand, erofs, ff, lfs,
  lus, lup, mfs, msplfs, msplus, mspmfs, msppfrd, newest, pfrd, rand,
};
inline constexpr size_t kPolicyCount = 21;

enum class Category : uint8_t { action, create, search };

// Every function that takes a policy (FEATURES.md §2.1).
enum class Func : uint8_t {
  access, chmod, chown, create, getattr, getxattr, link, listxattr, mkdir, mknod,
  open, readlink, removexattr, rename, rmdir, setxattr, symlink, truncate, unlink, utimens,
};
inline constexpr size_t kFuncCount = 20;

std::string_view to_string(PolicyId p);
std::optional<PolicyId> parse_policy(std::string_view s);
std::string_view to_string(Func f);
std::optional<Func> parse_func(std::string_view s);
std::string_view to_string(Category c);
std::optional<Category> parse_category(std::string_view s);
Category category_of(Func f);
PolicyId default_policy(Category c);  // action=epall, create=pfrd, search=ff

}  // namespace mfs::policy
