// Enumerated option values and their mergerfs spellings.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mfs::config {

enum class InodeCalc : uint8_t {
  passthrough, path_hash, path_hash32, devino_hash, devino_hash32, hybrid_hash, hybrid_hash32
};
enum class LinkExdev : uint8_t { passthrough, rel_symlink, abs_base_symlink, abs_pool_symlink };
enum class RenameExdev : uint8_t { passthrough, rel_symlink, abs_symlink };
enum class FollowSymlinks : uint8_t { never, directory, regular, all };
enum class NfsOpenHack : uint8_t { off, git, all };
enum class StatfsMode : uint8_t { base, full };
enum class StatfsIgnore : uint8_t { none, ro, nc };
enum class XattrMode : uint8_t { passthrough, noattr, nosys };
enum class FlushOnClose : uint8_t { never, always, opened_for_write };
enum class PassthroughIo : uint8_t { off, ro, wo, rw };
enum class CacheFiles : uint8_t { off, partial, full, auto_full, per_process };
// unset: no pinning. R=read threads, P=process threads, 1=one CPU, S=spread, L/P=logical/physical.
enum class PinThreads : uint8_t { unset, R1L, R1P, RP1L, RP1P, R1LP1L, R1PP1P, RPSL, RPSP, R1PPSP };

// Spellings indexed by the enumerator's value; specialised once per enum.
template <class E> struct EnumNames;
template <> struct EnumNames<InodeCalc> {
  static constexpr std::array<std::string_view, 7> names = {
      "passthrough", "path-hash", "path-hash32", "devino-hash", "devino-hash32", "hybrid-hash",
      "hybrid-hash32"};
};
template <> struct EnumNames<LinkExdev> {
  static constexpr std::array<std::string_view, 4> names = {
      "passthrough", "rel-symlink", "abs-base-symlink", "abs-pool-symlink"};
};
template <> struct EnumNames<RenameExdev> {
  static constexpr std::array<std::string_view, 3> names = {"passthrough", "rel-symlink",
                                                            "abs-symlink"};
};
template <> struct EnumNames<FollowSymlinks> {
  static constexpr std::array<std::string_view, 4> names = {"never", "directory", "regular", "all"};
};
template <> struct EnumNames<NfsOpenHack> {
  static constexpr std::array<std::string_view, 3> names = {"off", "git", "all"};
};
template <> struct EnumNames<StatfsMode> {
  static constexpr std::array<std::string_view, 2> names = {"base", "full"};
};
template <> struct EnumNames<StatfsIgnore> {
  static constexpr std::array<std::string_view, 3> names = {"none", "ro", "nc"};
};
template <> struct EnumNames<XattrMode> {
  static constexpr std::array<std::string_view, 3> names = {"passthrough", "noattr", "nosys"};
};
template <> struct EnumNames<FlushOnClose> {
  static constexpr std::array<std::string_view, 3> names = {"never", "always", "opened-for-write"};
};
template <> struct EnumNames<PassthroughIo> {
  static constexpr std::array<std::string_view, 4> names = {"off", "ro", "wo", "rw"};
};
template <> struct EnumNames<CacheFiles> {
  static constexpr std::array<std::string_view, 5> names = {"off", "partial", "full", "auto-full",
                                                            "per-process"};
};
template <> struct EnumNames<PinThreads> {
  static constexpr std::array<std::string_view, 10> names = {
      "false", "R1L", "R1P", "RP1L", "RP1P", "R1LP1L", "R1PP1P", "RPSL", "RPSP", "R1PPSP"};
};

template <class E>
std::string_view enum_name(E e) {
  const auto& names = EnumNames<E>::names;
  const auto i = static_cast<size_t>(e);
  return i < names.size() ? names[i] : std::string_view("?");
}

// Case-sensitive, like mergerfs.
template <class E>
std::optional<E> parse_enum(std::string_view s) {
  const auto& names = EnumNames<E>::names;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

// "a|b|c" for help text and the README table.
template <class E>
std::string enum_choices() {
  std::string s;
  for (std::string_view n : EnumNames<E>::names) {
    if (!s.empty()) s += '|';
    s += n;
  }
  return s;
}

}  // namespace mfs::config
