// Scalar option values: booleans, integers, seconds and SIZE strings, and their text forms.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mfs::config {

// true|t|1|on|yes -> true, false|f|0|off|no -> false, anything else (including "") -> nullopt.
std::optional<bool> parse_bool(std::string_view s);

// Integer with an optional B|K|M|G|T suffix (either case, base 1024). 0, -EINVAL or -EOVERFLOW.
int parse_size(std::string_view s, uint64_t& out);

// Largest unit that divides the value exactly ("4G", "512K"), else plain bytes.
std::string humanize_size(uint64_t bytes);

// Plain decimal integers, no suffix. 0, -EINVAL or -EOVERFLOW.
int parse_uint64(std::string_view s, uint64_t& out);
int parse_int64(std::string_view s, int64_t& out);  // optional leading '+' or '-'

// Non-negative decimal seconds: "1", "0.5". No exponent, no sign. 0 or -EINVAL.
int parse_seconds(std::string_view s, double& out);
std::string format_seconds(double seconds);  // shortest form that parses back: "1", "0.25"

}  // namespace mfs::config
