#!/usr/bin/env bash
# The README's test command: install what is missing, build, and run every test, then fuzz each
# parser for FUZZ_SECONDS (default 20; 0 skips). The ASan/UBSan and TSan runs are separate
# (tools/sanitize.sh): they take about 20 minutes each on 2 cores, over the CI budget.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh" "$@"
build=${BUILD_DIR:-$root/build}
(cd "$build" && ctest --output-on-failure --timeout 1200)
if [ "${FUZZ_SECONDS:-20}" != 0 ]; then
  "$root/tools/fuzz.sh" "${FUZZ_SECONDS:-20}"
fi
