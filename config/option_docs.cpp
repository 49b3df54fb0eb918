// Renders the option table as the README's Markdown table.
#include "config/option_docs.hpp"

#include "config/config.hpp"

namespace mfs::config {
namespace {

// '|' would split a Markdown cell.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string code(const std::string& s) { return s.empty() ? "" : "`" + cell(s) + "`"; }

}  // namespace

std::string render_options_markdown() {
  std::string md = "| Key | Values | Default | Runtime | Effect |\n|---|---|---|---|---|\n";
  std::string noops;
  for (const OptionDef& d : option_table()) {
    if (d.type == ValueType::noop) {
      if (!noops.empty()) noops += ", ";
      noops += code(d.name);
      if (!d.replacement.empty()) noops += " (use " + code(d.replacement) + ")";
      continue;
    }
    std::string key = code(d.name);
    if (d.hidden) key += " (hidden)";
    for (const std::string& a : d.aliases) key += ", alias " + code(a);
    const std::string def = d.type == ValueType::info ? "" : code(d.default_value);
    const std::string runtime = d.read_only ? "read-only" : "settable";
    md += "| " + key + " | " + cell(d.values) + " | " + def + " | " + runtime + " | " +
          cell(d.effect) + " |\n";
  }
  if (!noops.empty())
    md += "| no-op keys | anything |  | ignored | Accepted and ignored: " + noops + " |\n";
  return md;
}

}  // namespace mfs::config
