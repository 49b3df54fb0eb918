// Renders the option table as the README's Markdown table.
#pragma once
#include <string>

namespace mfs::config {

// One row per key: | Key | Values | Default | Runtime | Effect |. Aliases and hidden keys are
// marked; no-op keys are listed together in a final row.
std::string render_options_markdown();

}  // namespace mfs::config
