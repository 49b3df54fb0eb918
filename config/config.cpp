// Key lookup and the control-file view of a Config: runtime set, get, list and dump.
#include "config/config.hpp"

#include <cerrno>

#include "config/strings.hpp"

namespace mfs::config {
namespace {

bool name_matches(std::string_view pattern, std::string_view key) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return key.size() > pattern.size() && key.substr(0, pattern.size()) == pattern;
  }
  return pattern == key;
}

}  // namespace

FuncPolicies default_func_policies() {
  FuncPolicies f{};
  for (size_t i = 0; i < policy::kFuncCount; ++i)
    f[i] = policy::default_policy(policy::category_of(static_cast<policy::Func>(i)));
  return f;
}

bool OptionDef::matches(std::string_view key) const {
  if (name_matches(name, key)) return true;
  for (const std::string& a : aliases)
    if (a == key) return true;
  return false;
}

std::string normalize_key(std::string_view key) {
  std::string k(trim(key));
  for (char& c : k)
    if (c == '_') c = '-';
  return k;
}

const OptionDef* find_option(std::string_view key) {
  const std::string k = normalize_key(key);
  for (const OptionDef& d : option_table())
    if (d.matches(k)) return &d;
  return nullptr;
}

std::string format_error(const OptionError& e) {
  return "mergerfs: ERROR - " + e.reason + " - " + e.text;
}

int set_runtime(Config& cfg, std::string_view key, std::string_view value,
                std::vector<std::string>& notices) {
  const OptionDef* d = find_option(key);
  if (!d) return -ENODATA;
  if (d->type == ValueType::noop) return 0;
  if (d->read_only || !d->set) return -EROFS;
  Config next = cfg;  // a setter may fail half-way; only a clean result is published
  SetReport report;
  const int rv = d->set(next, value, report);
  if (rv != 0) {
    if (!report.error.empty()) notices.push_back(d->name + ": " + report.error);
    return rv;
  }
  cfg = std::move(next);
  notices.insert(notices.end(), report.notices.begin(), report.notices.end());
  return 0;
}

std::optional<std::string> get_value(const Config& cfg, std::string_view key) {
  const OptionDef* d = find_option(key);
  if (!d || !d->get) return std::nullopt;
  return d->get(cfg);
}

std::vector<std::string> displayed_keys(const Config&) {
  std::vector<std::string> keys;
  for (const OptionDef& d : option_table())
    if (!d.hidden && d.get) keys.push_back(d.name);
  return keys;
}

std::vector<std::string> dump(const Config& cfg) {
  std::vector<std::string> lines;
  for (const OptionDef& d : option_table())
    if (!d.hidden && d.get) lines.push_back(d.name + "=" + d.get(cfg));
  return lines;
}

}  // namespace mfs::config
