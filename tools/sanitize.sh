#!/usr/bin/env bash
# Sanitizer builds in one command each:
#   tools/sanitize.sh address   ASan+UBSan build in build-asan, runs unit and integration tests
#                               (SANITIZE_FILTER: a gtest filter for the integration tests; CI
#                               passes the daemon-heavy suites)
#   tools/sanitize.sh thread    TSan build in build-tsan, runs the unit tests and the actor and
#                               bridge integration tests (suppressions: tools/tsan.supp, CAF only)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-address}
build=$root/build-${kind/address/asan}
build=${build/thread/tsan}
"$root/tools/setup.sh"
BUILD_DIR=$build BUILD_TYPE=Debug "$root/tools/build.sh" -DSANITIZE="$kind"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# CAF 0.17 from Debian is not built with TSan: its mailbox internals are suppressed (commented file).
export TSAN_OPTIONS="suppressions=$root/tools/tsan.supp halt_on_error=1"
"$build/tests/unit_tests" --gtest_brief=1
if [ "$kind" = address ]; then
  "$build/tests/integration_tests" --gtest_brief=1 --gtest_filter="${SANITIZE_FILTER:-*}"
else
  # Actors, the control file and stats, faults, lifecycle, the data path and the request
  # deadlines (executor threads, config writes and start-up off their threads). Left out: the tests of the stuck-
  # shutdown rescue, where the watchdog closes /dev/fuse descriptors under blocked workers just
  # before _exit on purpose (TSan reports that as a race on the descriptors).
  "$build/tests/integration_tests" --gtest_brief=1 \
    --gtest_filter='ActorCore*:UnionView*:ControlStats*:ControlFile*:Faults*:OpsLifecycle*:DataPath*:RequestDeadline*:BranchHeals*:StartupWithAHungBranch*:-ActorCore.UnmountAndExitWorkWithAHungBranch:OpsLifecycle.UmountWithAHungBranchStopsWithinSeconds:OpsLifecycle.SigintWithARequestStuckOnAHungBranchStopsWithinSeconds:OpsLifecycle.PlainUmountWithAHungFirstBranchFinishes:OpsLifecycle.FusermountUnmountWithAHungFirstBranchFinishes'
fi
