"""benchlib: the code of tools/bench (the entry script there holds the usage text).

settings    paths, default options, group names and workload sizes
progress    the progress log on stderr
procs       child-process plumbing: PR_SET_PDEATHSIG, process-group kill, log tails
mounts      the mount table read from /proc/self/mountinfo
mountns     the private mount namespace
meta_helper Python stand-in for tools/bench_meta.c
targets     Err (a failed measurement) and Target (raw, pool or peer)
lifecycle   undo stack, tmpfs and FUSE daemons, building the targets of a group
measure     result rows and the measuring helpers shared by the groups
groups/     one module per workload group
machine     facts about the machine and the binaries for the report header
report/     JSON summary, Markdown table and cell formatting
bench       the Bench driver: set-up, the group loop, cleanup
cli         argument parsing and main
"""
