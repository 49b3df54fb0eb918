// Small string helpers shared by the option and branch parsers.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mfs::config {

std::string_view trim(std::string_view s);  // spaces, tabs, CR, LF at both ends
// Collapses repeated '/' and drops a trailing one: for paths realpath could not resolve.
std::string tidy_path(std::string_view p);
// "a|b" -> {"a", "b"}; empty fields are kept, so join_list(split_list(s, c), c) == s.
std::vector<std::string> split_list(std::string_view s, char sep);
std::string join_list(const std::vector<std::string>& items, char sep);

}  // namespace mfs::config
