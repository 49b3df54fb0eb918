#!/usr/bin/env bash
# The README's test command: install what is missing, build, and run every test, then fuzz each
# parser for FUZZ_SECONDS (default 20; 0 skips), then run the daemon-heavy integration suites
# against an ASan+UBSan build (ASAN_CI=0 skips; tools/sanitize.sh address runs all of them,
# tools/sanitize.sh thread the TSan set).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh" "$@"
build=${BUILD_DIR:-$root/build}
(cd "$build" && ctest --output-on-failure --timeout 1200)
if [ "${FUZZ_SECONDS:-20}" != 0 ]; then
  "$root/tools/fuzz.sh" "${FUZZ_SECONDS:-20}"
fi
if [ "${ASAN_CI:-1}" != 0 ]; then
  SANITIZE_FILTER='Stress*:Faults*:Containment*:Permissions*:BadInput*:Namespace*:DataPath*:MoveOnEnospc*:Rebalance*:OptionRules*' \
    "$root/tools/sanitize.sh" address
fi
