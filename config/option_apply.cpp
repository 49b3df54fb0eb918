// Mount-time option parsing: -o strings, single tokens, config files, and the routing of
// keys we do not own to libfuse/the kernel or to the bin.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "config/config.hpp"
#include "config/strings.hpp"

namespace mfs::config {
namespace {

std::string reason_for(int rv) {
  switch (-rv) {
    case EINVAL:
    case EOVERFLOW:
    case ENOENT: return "invalid value";
    case EROFS: return "read-only option";
    case ELOOP: return "too many levels of config";
    case ENODATA: return "unknown option";
  }
  return std::strerror(-rv);
}

// Mount flags libfuse 3.14 or the kernel accept, keyed by normalised name, in libfuse spelling.
const char* libfuse_spelling(const std::string& key) {
  static const char* const kNames[] = {
      "allow_other", "default_permissions", "ro", "rw", "nosuid", "suid", "nodev", "dev",
      "noexec", "exec", "atime", "noatime", "relatime", "norelatime", "strictatime",
      "nostrictatime", "lazytime", "nolazytime", "dirsync", "sync", "async", "max_read",
      "blksize", "subtype"};
  for (const char* n : kNames)
    if (normalize_key(n) == key) return n;
  return nullptr;
}

// Options only mount(8) and fstab consumers care about.
bool is_fstab_only(const std::string& key) {
  static const char* const kNames[] = {"defaults", "nofail", "noauto", "auto", "user",
                                       "nouser",   "users",  "-netdev", "comment"};
  for (const char* n : kNames)
    if (key == n) return true;
  return key.rfind("x-", 0) == 0;
}

void apply_config_file(Config& cfg, const std::string& path, std::string_view token,
                       ParseOutcome& out, int depth) {
  std::FILE* f = std::fopen(path.c_str(), "re");
  if (!f) {
    out.errors.push_back({std::strerror(errno), std::string(token)});
    return;
  }
  char* line = nullptr;
  size_t cap = 0;
  ssize_t len;
  errno = 0;
  while ((len = ::getline(&line, &cap, f)) >= 0) {
    const std::string_view l = trim(std::string_view(line, static_cast<size_t>(len)));
    if (l.empty() || l.front() == '#') continue;
    apply_option(cfg, l, out, depth + 1);
    errno = 0;
  }
  if (std::ferror(f)) out.errors.push_back({std::strerror(errno ? errno : EIO), std::string(token)});
  std::free(line);
  std::fclose(f);
}

}  // namespace

void apply_option_string(Config& cfg, std::string_view opts, ParseOutcome& out) {
  std::string token;
  for (size_t i = 0; i < opts.size(); ++i) {
    const char c = opts[i];
    if (c == '\\' && i + 1 < opts.size()) {
      token += opts[++i];
    } else if (c == ',') {
      apply_option(cfg, token, out);
      token.clear();
    } else {
      token += c;
    }
  }
  apply_option(cfg, token, out);
}

void apply_option(Config& cfg, std::string_view token, ParseOutcome& out, int depth) {
  const std::string_view tok = trim(token);
  if (tok.empty()) return;
  const size_t eq = tok.find('=');
  const bool has_value = eq != std::string_view::npos;
  const std::string key = normalize_key(tok.substr(0, eq));
  const std::string_view value = has_value ? trim(tok.substr(eq + 1)) : std::string_view();
  const std::string text(tok);

  if (key == "config") {
    if (value.empty()) out.errors.push_back({"no value set", text});
    else if (depth >= kMaxConfigDepth) out.errors.push_back({reason_for(-ELOOP), text});
    else apply_config_file(cfg, std::string(value), tok, out, depth);
    return;
  }

  if (const OptionDef* d = find_option(key)) {
    if (d->type == ValueType::noop) {
      if (!d->replacement.empty())
        out.notices.push_back("option '" + text + "' is ignored; use " + d->replacement);
      return;
    }
    if (!d->set) {
      out.errors.push_back({reason_for(-EROFS), text});
      return;
    }
    if (!has_value && d->type != ValueType::boolean) {
      out.errors.push_back({"no value set", text});
      return;
    }
    SetReport report;
    const int rv = d->set(cfg, value, report);
    out.notices.insert(out.notices.end(), report.notices.begin(), report.notices.end());
    if (rv != 0)
      out.errors.push_back(
          {reason_for(rv), report.error.empty() ? text : text + " (" + report.error + ")"});
    return;
  }

  if (is_fstab_only(key)) return;
  if (const char* name = libfuse_spelling(key)) {
    out.passthrough.push_back(has_value ? std::string(name) + "=" + std::string(value) : name);
    return;
  }
  out.notices.push_back("unknown option '" + text + "' ignored");
}

}  // namespace mfs::config
