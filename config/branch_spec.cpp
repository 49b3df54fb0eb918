// Branch list syntax (FEATURES §1.3): instructions, elements, glob expansion, serialization.
#include "config/branch_spec.hpp"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "config/size_parse.hpp"
#include "config/strings.hpp"
#include "messages/run_with_deadline.hpp"

namespace mfs::config {
namespace {

enum class Instruction { replace, append, prepend, remove_matching, remove_first, remove_last };

std::optional<Instruction> parse_instruction(std::string_view op) {
  if (op.empty() || op == "=") return Instruction::replace;
  if (op == "+" || op == "+>") return Instruction::append;
  if (op == "+<") return Instruction::prepend;
  if (op == "-") return Instruction::remove_matching;
  if (op == "-<") return Instruction::remove_first;
  if (op == "->") return Instruction::remove_last;
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

bool has_glob_chars(std::string_view s) { return s.find_first_of("*?[{") != std::string_view::npos; }

// Expands one glob into branch paths, appending to `paths`. Never fails: problems are notices.
void expand_glob(const std::string& pattern, std::vector<std::string>& paths,
                 std::vector<std::string>& notices) {
  std::vector<std::string> candidates;
  glob_t g{};
  const int rv = ::glob(pattern.c_str(), GLOB_BRACE | GLOB_ONLYDIR, nullptr, &g);
  if (rv == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) candidates.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  if (candidates.empty()) {
    if (has_glob_chars(pattern))
      notices.push_back("branch glob '" + pattern + "' matched nothing; added as is");
    candidates.push_back(pattern);
  }
  for (const std::string& c : candidates) {
    struct stat st {};
    if (::stat(c.c_str(), &st) != 0) {
      notices.push_back("branch '" + c + "' does not exist (" + std::strerror(errno) +
                        "); added anyway");
      paths.push_back(tidy_path(c));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      notices.push_back("branch '" + c + "' is not a directory; skipped");
      continue;
    }
    char resolved[PATH_MAX];
    paths.push_back(::realpath(c.c_str(), resolved) ? std::string(resolved) : tidy_path(c));
  }
}

// One `GLOB[=MODE[,MINFREESPACE]]` element: its glob and the branch each match becomes.
struct Element {
  BranchSpec proto;
  std::string glob;
};

int parse_element(std::string_view element, Element& out, std::string& error) {
  BranchSpec proto;
  std::string_view glob_part = element;
  const size_t eq = element.rfind('=');
  if (eq != std::string_view::npos) {
    glob_part = element.substr(0, eq);
    const std::string_view opts = element.substr(eq + 1);
    if (opts.empty()) {
      error = "empty option list after '=' in branch '" + std::string(element) + "'";
      return -EINVAL;
    }
    const std::vector<std::string_view> fields = split(opts, ',');
    if (fields.size() > 2) {
      error = "too many options in branch '" + std::string(element) + "'";
      return -EINVAL;
    }
    const std::optional<BranchMode> mode = parse_branch_mode(fields[0]);
    if (!mode) {
      error = "invalid branch mode '" + std::string(fields[0]) + "' in '" + std::string(element) +
              "' (RW, RO or NC)";
      return -EINVAL;
    }
    proto.mode = *mode;
    if (fields.size() == 2) {
      uint64_t size = 0;
      if (int rv = parse_size(fields[1], size); rv != 0) {
        error = "invalid minfreespace '" + std::string(fields[1]) + "' in branch '" +
                std::string(element) + "'";
        return rv;
      }
      proto.minfreespace = size;
    }
  }
  if (glob_part.empty()) {
    error = "empty path in branch '" + std::string(element) + "'";
    return -EINVAL;
  }
  out = Element{proto, std::string(glob_part)};
  return 0;
}

// The path as given, absolute and lexically normalized: what a branch that did not answer is
// known by (its symlinks, if any, stay unresolved).
std::string path_as_given(const std::string& p) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(p, ec);
  return tidy_path(ec ? p : abs.lexically_normal().string());
}

struct Expansion {
  std::vector<std::string> paths;
  std::vector<std::string> notices;
};

// Syntax first, then every element's glob at once, each on a thread of its own (run_with_deadline):
// glob, stat and realpath block on a hung branch, and the caller is the daemon's main thread at
// start-up. An element that did not answer within `deadline_s` is kept as given, a glob skipped.
int parse_elements(std::string_view list, std::vector<BranchSpec>& out, std::string& error,
                   std::vector<std::string>& notices, double deadline_s) {
  std::vector<Element> elements;
  for (std::string_view text : split(list, ':')) {
    if (text.empty()) continue;  // tolerate "a::b" and a trailing ':'
    Element e;
    if (int rv = parse_element(text, e, error); rv != 0) return rv;
    elements.push_back(std::move(e));
  }
  std::vector<std::function<Expansion()>> jobs;
  for (const Element& e : elements)
    jobs.push_back([pattern = e.glob] {
      Expansion x;
      expand_glob(pattern, x.paths, x.notices);
      return x;
    });
  std::vector<std::optional<Expansion>> expanded = run_with_deadline(std::move(jobs), deadline_s);
  for (size_t i = 0; i < elements.size(); ++i) {
    const std::string& pattern = elements[i].glob;
    Expansion x;
    if (expanded[i]) {
      x = std::move(*expanded[i]);
    } else if (has_glob_chars(pattern)) {
      x.notices.push_back("warning: branch glob '" + pattern + "' did not answer within " +
                          format_seconds(deadline_s) + " s; skipped");
    } else {
      x.paths.push_back(path_as_given(pattern));
      x.notices.push_back("warning: branch '" + pattern + "' did not answer within " +
                          format_seconds(deadline_s) + " s; added as " + x.paths.back() +
                          ", failed until it answers");
    }
    for (std::string& p : x.paths) {
      BranchSpec b = elements[i].proto;
      b.path = std::move(p);
      out.push_back(std::move(b));
    }
    notices.insert(notices.end(), x.notices.begin(), x.notices.end());
  }
  return 0;
}

bool matches_any(const std::string& path, const std::vector<std::string_view>& patterns) {
  for (std::string_view p : patterns)
    if (!p.empty() && ::fnmatch(std::string(p).c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace

int apply_branch_instruction(const std::vector<BranchSpec>& current, std::string_view value,
                             std::vector<BranchSpec>& out, std::string& error,
                             std::vector<std::string>& notices, double deadline_s) {
  const size_t op_len = value.find_first_not_of("+-<>=");
  const std::string_view op = value.substr(0, op_len);
  const std::string_view rest = op_len == std::string_view::npos ? "" : value.substr(op_len);
  const std::optional<Instruction> instr = parse_instruction(op);
  if (!instr) {
    error = "invalid branch instruction '" + std::string(op) + "' in '" + std::string(value) + "'";
    return -EINVAL;
  }

  std::vector<BranchSpec> result;
  std::vector<std::string> new_notices;
  switch (*instr) {
    case Instruction::replace:
    case Instruction::append:
    case Instruction::prepend: {
      std::vector<BranchSpec> added;
      if (int rv = parse_elements(rest, added, error, new_notices, deadline_s); rv != 0) return rv;
      if (*instr == Instruction::append) result = current;
      result.insert(result.end(), added.begin(), added.end());
      if (*instr == Instruction::prepend) result.insert(result.end(), current.begin(), current.end());
      break;
    }
    case Instruction::remove_matching: {
      const std::vector<std::string_view> patterns = split(rest, ':');
      for (const BranchSpec& b : current)
        if (!matches_any(b.path, patterns)) result.push_back(b);
      break;
    }
    case Instruction::remove_first:
    case Instruction::remove_last:
      if (current.empty()) {
        error = "no branch to remove";
        return -ENOENT;
      }
      result = current;
      result.erase(*instr == Instruction::remove_first ? result.begin() : result.end() - 1);
      break;
  }
  out = std::move(result);
  notices.insert(notices.end(), new_notices.begin(), new_notices.end());
  return 0;
}

std::string serialize_branches(const std::vector<BranchSpec>& branches) {
  std::string s;
  for (const BranchSpec& b : branches) {
    if (!s.empty()) s += ':';
    s += b.path;
    s += '=';
    s += to_string(b.mode);
    if (b.minfreespace) s += ',' + humanize_size(*b.minfreespace);
  }
  return s;
}

std::string join_branch_paths(const std::vector<BranchSpec>& branches) {
  std::string s;
  for (const BranchSpec& b : branches) {
    if (!s.empty()) s += ':';
    s += b.path;
  }
  return s;
}

}  // namespace mfs::config
