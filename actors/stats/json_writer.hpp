// The one JSON writer of the daemon (stats dump, control file, rebalance progress, move
// journal): nlohmann-json values, and the one rule that turns arbitrary bytes into a JSON
// string. No CAF here: any layer at or above actors/ may include it.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace mfs::stats {

// Members keep the order they were added in: readers (mergerfs-ctl, Prometheus output, tests
// that scan the summary text) see "id" and "kind" first, as the dump always wrote them.
using Json = nlohmann::ordered_json;

// A JSON string for any bytes (paths need not be UTF-8). Well-formed UTF-8 (RFC 3629: no
// overlongs, no surrogates) is kept; every other byte b stands for the code point U+00bb, the
// value the dump's former "\u00XX" escape gave it. The result is always valid UTF-8, so every
// parser accepts the document.
Json json_string(std::string_view bytes);

// The compact text of a document (no spaces, members in order).
std::string json_text(const Json& doc);

}  // namespace mfs::stats
