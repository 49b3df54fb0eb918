// Pool paths ("/a/b", always absolute, "/" the root): the one join and parent-of every layer uses.
#pragma once
#include <string>
#include <string_view>

namespace mfs {

// "/a/b" -> "/a", "/a" -> "/", "/" -> "/"; trailing slashes are ignored ("/a/b/" -> "/a").
// A name without any slash is in the root.
inline std::string_view parent_of(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

// The last name: "/a/b" -> "b", "/a" -> "a", "/" and "/a/" -> "" (no name after the last slash).
inline std::string_view base_name(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "/a/b" + "c" -> "/a/b/c", "/" + "c" -> "/c".
inline std::string join_path(std::string_view dir, std::string_view name) {
  std::string p(dir);
  if (!p.empty() && p.back() != '/') p.push_back('/');
  p.append(name);
  return p;
}

}  // namespace mfs
