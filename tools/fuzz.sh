#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang++ in build-fuzz and runs each for a
# bounded time (default 20 s) from its seed corpus. Exits non-zero on the first crash, leak,
# sanitizer report or timeout; the reproducer is left in build-fuzz/artifacts/.
#   tools/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
build=$root/build-fuzz
command -v clang++ >/dev/null || "$root/tools/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON \
      -DCMAKE_CXX_COMPILER=clang++ >/dev/null
targets=(option_string branch_spec control_set)
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]/#/fuzz_}"
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
  # The checked-in seeds stay untouched: new inputs go to a scratch corpus in the build dir.
  work=$build/corpus/$t
  mkdir -p "$work"
  log=$build/artifacts/$t.log
  echo "fuzz: $t for ${secs}s"
  rc=0
  (cd "$build/artifacts" && "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
      -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
      "$work" "$root/tests/fuzz/corpus/$t") >"$log" 2>&1 || rc=$?
  grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" || true
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log"
    echo "fuzz: $t FAILED (exit $rc); log $log, reproducer in $build/artifacts/" >&2
    exit 1
  fi
done
echo "fuzz: no crash in ${#targets[@]} targets"
