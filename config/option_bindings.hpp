// Setter/getter pairs that bind an option to a typed Config field; used by the option table.
#pragma once
#include <cerrno>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/size_parse.hpp"

namespace mfs::config::binding {

struct Binding {
  OptionDef::Setter set;
  OptionDef::Getter get;
};

template <class T>
using Field = T Config::*;

inline Binding boolean(Field<bool> f) {
  return {[f](Config& c, std::string_view v, SetReport&) {
            const std::optional<bool> b = parse_bool(v);
            if (!b) return -EINVAL;
            c.*f = *b;
            return 0;
          },
          [f](const Config& c) { return std::string(c.*f ? "true" : "false"); }};
}

template <class E>
Binding choice(Field<E> f) {
  return {[f](Config& c, std::string_view v, SetReport&) {
            const std::optional<E> e = parse_enum<E>(v);
            if (!e) return -EINVAL;
            c.*f = *e;
            return 0;
          },
          [f](const Config& c) { return std::string(enum_name(c.*f)); }};
}

// Signed or unsigned integer field, range-checked against [lo, hi].
template <class T>
Binding integer(Field<T> f, int64_t lo, int64_t hi) {
  return {[f, lo, hi](Config& c, std::string_view v, SetReport&) {
            int64_t x = 0;
            if (int rv = parse_int64(v, x); rv != 0) return rv == -EOVERFLOW ? rv : -EINVAL;
            if (x < lo || x > hi) return -EINVAL;
            c.*f = static_cast<T>(x);
            return 0;
          },
          [f](const Config& c) { return std::to_string(c.*f); }};
}

inline Binding unsigned64(Field<uint64_t> f) {
  return {[f](Config& c, std::string_view v, SetReport&) {
            uint64_t x = 0;
            if (int rv = parse_uint64(v, x); rv != 0) return rv;
            c.*f = x;
            return 0;
          },
          [f](const Config& c) { return std::to_string(c.*f); }};
}

inline Binding size(Field<uint64_t> f) {
  return {[f](Config& c, std::string_view v, SetReport&) {
            uint64_t x = 0;
            if (int rv = parse_size(v, x); rv != 0) return rv;
            c.*f = x;
            return 0;
          },
          [f](const Config& c) { return std::to_string(c.*f); }};
}

inline Binding seconds(Field<double> f) {
  return {[f](Config& c, std::string_view v, SetReport&) {
            double x = 0;
            if (int rv = parse_seconds(v, x); rv != 0) return rv;
            c.*f = x;
            return 0;
          },
          [f](const Config& c) { return format_seconds(c.*f); }};
}

inline Binding text(Field<std::string> f, bool allow_empty) {
  return {[f, allow_empty](Config& c, std::string_view v, SetReport&) {
            if (v.empty() && !allow_empty) return -EINVAL;
            c.*f = std::string(v);
            return 0;
          },
          [f](const Config& c) { return c.*f; }};
}

// uid/gid: decimal; umask: octal. Unset reads back as "".
inline Binding id(Field<std::optional<uint32_t>> f, bool octal) {
  return {[f, octal](Config& c, std::string_view v, SetReport&) {
            if (v.empty()) return -EINVAL;
            uint64_t x = 0;
            for (char ch : v) {
              const unsigned base = octal ? 8 : 10;
              if (ch < '0' || ch >= static_cast<char>('0' + base)) return -EINVAL;
              x = x * base + static_cast<uint64_t>(ch - '0');
              if (x > (octal ? 07777u : std::numeric_limits<uint32_t>::max())) return -EINVAL;
            }
            c.*f = static_cast<uint32_t>(x);
            return 0;
          },
          [f, octal](const Config& c) {
            if (!(c.*f)) return std::string();
            if (!octal) return std::to_string(*(c.*f));
            char buf[16];
            snprintf(buf, sizeof buf, "%03o", *(c.*f));
            return std::string(buf);
          }};
}

}  // namespace mfs::config::binding
