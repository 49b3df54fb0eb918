#!/usr/bin/env bash
# The README's test command: install what is missing, build, and run every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
"$root/tools/build.sh" "$@"
build=${BUILD_DIR:-$root/build}
cd "$build"
ctest --output-on-failure --timeout 1200
