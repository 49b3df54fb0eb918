// Name tables for policies, functions and categories.
#include "policy/policy_id.hpp"

namespace mfs::policy {
namespace {
constexpr std::array<std::string_view, kPolicyCount> kPolicyNames = {
    "all", "epall", "epff", "eplfs", "eplus", "epmfs", "eppfrd", "eprand", "erofs", "ff", "lfs",
    "lus", "lup", "mfs", "msplfs", "msplus", "mspmfs", "msppfrd", "newest", "pfrd", "rand"};
constexpr std::array<std::string_view, kFuncCount> kFuncNames = {
    "access", "chmod", "chown", "create", "getattr", "getxattr", "link",
    "listxattr", "mkdir", "mknod", "open", "readlink", "removexattr", "rename",
    "rmdir", "setxattr", "symlink", "truncate", "unlink", "utimens"};
}  // namespace

std::string_view to_string(PolicyId p) { return kPolicyNames[static_cast<size_t>(p)]; }

std::optional<PolicyId> parse_policy(std::string_view s) {
  for (size_t i = 0; i < kPolicyCount; ++i)
    if (kPolicyNames[i] == s) return static_cast<PolicyId>(i);
  return std::nullopt;
}

std::string_view to_string(Func f) { return kFuncNames[static_cast<size_t>(f)]; }

std::optional<Func> parse_func(std::string_view s) {
  for (size_t i = 0; i < kFuncCount; ++i)
    if (kFuncNames[i] == s) return static_cast<Func>(i);
  return std::nullopt;
}

std::string_view to_string(Category c) {
  switch (c) {
    case Category::action: return "action";
    case Category::create: return "create";
    case Category::search: return "search";
  }
  return "search";
}

std::optional<Category> parse_category(std::string_view s) {
  if (s == "action") return Category::action;
  if (s == "create") return Category::create;
  if (s == "search") return Category::search;
  return std::nullopt;
}

Category category_of(Func f) {
  switch (f) {
    case Func::chmod: case Func::chown: case Func::link: case Func::removexattr:
    case Func::rename: case Func::rmdir: case Func::setxattr: case Func::truncate:
    case Func::unlink: case Func::utimens:
      return Category::action;
    case Func::create: case Func::mkdir: case Func::mknod: case Func::symlink:
      return Category::create;
    default:
      return Category::search;
  }
}

PolicyId default_policy(Category c) {
  switch (c) {
    case Category::action: return PolicyId::epall;
    case Category::create: return PolicyId::pfrd;
    case Category::search: return PolicyId::ff;
  }
  return PolicyId::ff;
}

}  // namespace mfs::policy
