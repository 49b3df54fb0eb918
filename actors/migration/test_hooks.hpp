// Test-only fault injection for moves, active only with MERGERFS_TEST_HOOKS=1 in the daemon's
// environment: MERGERFS_TEST_CRASH_AT=<point> makes the daemon _exit at that point of a move
// (temp-created, copied, renamed, source-unlinked), and MERGERFS_TEST_COPY_DELAY_MS slows each
// copied chunk, so a test can act while a move is under way.
#pragma once

namespace mfs::test_hooks {

bool enabled();
// _exit(86) if the crash point named by MERGERFS_TEST_CRASH_AT is `point`.
void crash_point(const char* point);
// Sleeps the configured per-chunk delay (0 without hooks).
void copy_chunk_delay();

}  // namespace mfs::test_hooks
