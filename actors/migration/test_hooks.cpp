// Test hooks for moves; see test_hooks.hpp. Read once from the environment.
#include "actors/migration/test_hooks.hpp"

#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace mfs::test_hooks {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

bool enabled() {
  static const bool on = env("MERGERFS_TEST_HOOKS") == "1";
  return on;
}

void crash_point(const char* point) {
  static const std::string at = enabled() ? env("MERGERFS_TEST_CRASH_AT") : "";
  if (at.empty() || at != point) return;
  syslog(LOG_WARNING, "test hook: crashing at %s", point);
  ::_exit(86);
}

void copy_chunk_delay() {
  static const long ms = enabled() ? std::atol(env("MERGERFS_TEST_COPY_DELAY_MS").c_str()) : 0;
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace mfs::test_hooks
