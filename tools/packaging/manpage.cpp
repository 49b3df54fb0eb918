// Build-time generator of mergerfs(1): fills the hand-written template's @OPTIONS@ line with
// the option table the daemon parses, so the man page always lists what the daemon accepts.
//   mergerfs-manpage TEMPLATE OUTPUT VERSION
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "config/config.hpp"

namespace {

using mfs::config::OptionDef;
using mfs::config::ValueType;

// Text for a roff line: backslashes escaped, '-' kept literal, no control character at the
// start of a line.
std::string roff(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
  return s;
}

std::string render_options() {
  std::ostringstream o;
  std::string noops;
  for (const OptionDef& d : mfs::config::option_table()) {
    if (d.type == ValueType::noop) {
      noops += (noops.empty() ? "" : ", ") + std::string("\\fB") + roff(d.name) + "\\fR";
      if (!d.replacement.empty()) noops += " (use " + roff(d.replacement) + ")";
      continue;
    }
    // Long value lists (policies, enums) go in the text, not in the tag line.
    const bool has_values = d.type != ValueType::info && !d.values.empty();
    const bool long_values = has_values && d.values.size() > 32 &&
                             (d.type == ValueType::choice || d.type == ValueType::policy);
    o << ".TP\n\\fB" << roff(d.name) << "\\fR";
    if (has_values)
      o << "=\\fI" << (long_values ? (d.type == ValueType::policy ? "policy" : "value") : roff(d.values))
        << "\\fR";
    o << "\n" << roff(d.effect);
    if (long_values) o << " One of: " << roff(replace_all(d.values, "|", ", ")) << ".";
    if (d.type != ValueType::info && !d.default_value.empty())
      o << " Default: \\fB" << roff(d.default_value) << "\\fR.";
    if (d.type == ValueType::info) o << " Read-only information.";
    else if (d.read_only) o << " Fixed once mounted.";
    else o << " Can be changed at runtime.";
    if (!d.aliases.empty()) {
      o << " Alias" << (d.aliases.size() > 1 ? "es" : "") << ":";
      for (size_t i = 0; i < d.aliases.size(); ++i) o << (i ? ", " : " ") << "\\fB" << roff(d.aliases[i]) << "\\fR";
      o << ".";
    }
    if (d.hidden) o << " Not listed by listxattr.";
    o << "\n";
  }
  if (!noops.empty())
    o << ".TP\nNo-op keys\nAccepted and ignored, for old fstab lines: " << noops << ".\n";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: mergerfs-manpage TEMPLATE OUTPUT VERSION\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "mergerfs-manpage: cannot read " << argv[1] << "\n";
    return 1;
  }
  std::ostringstream page;
  std::string line;
  while (std::getline(in, line)) {
    if (line == "@OPTIONS@") {
      page << render_options();
      continue;
    }
    for (size_t at; (at = line.find("@VERSION@")) != std::string::npos;) line.replace(at, 9, argv[3]);
    page << line << "\n";
  }
  std::ofstream out(argv[2]);
  out << page.str();
  return out.good() ? 0 : 1;
}
