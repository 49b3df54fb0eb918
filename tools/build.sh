#!/usr/bin/env bash
# Configures and builds into ./build (or $BUILD_DIR) with ccache and -j2. Extra args go to cmake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
# Paths below the checkout are hashed relative to it, so every clone (CI's clean one included)
# shares the compiler cache: CAF-heavy files take minutes each to build cold.
export CCACHE_BASEDIR=$root
# With -g ccache would also hash the build directory, so a clone elsewhere missed every file;
# the cost is debug info naming the directory of whichever clone filled the cache.
export CCACHE_NOHASHDIR=1
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build" -j"${JOBS:-2}"
