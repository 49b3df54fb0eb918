// Small string helpers shared by the option and branch parsers.
#pragma once
#include <string>
#include <string_view>

namespace mfs::config {

std::string_view trim(std::string_view s);  // spaces, tabs, CR, LF at both ends
// Collapses repeated '/' and drops a trailing one: for paths realpath could not resolve.
std::string tidy_path(std::string_view p);

}  // namespace mfs::config
