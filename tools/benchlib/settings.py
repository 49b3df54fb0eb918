"""Run-wide constants: where things are, default pool options, group names, workload sizes."""

import os

# tools/benchlib/settings.py -> the repository root
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
TOOLS = os.path.join(ROOT, "tools")
ENTRY = os.path.join(TOOLS, "bench")  # re-run as `ENTRY --meta-helper` for the Python helper
META_SRC = os.path.join(TOOLS, "bench_meta.c")
DEFAULT_OPTIONS = "cache.files=off,category.create=mfs,minfreespace=1M"
CACHE_OFF = "cache.attr=0,cache.entry=0"
GROUPS = ["fio", "meta", "find", "scaling", "search", "isolation"]
MiB = 1 << 20

SIZES = {
    "full": dict(reps=5, fio_size=256 * MiB, fio_runtime="2", meta_n=20000, readdir_passes=3,
                 find_n=50000, find_branches=4, scale_branches=[1, 4, 16, 64], scale_n=4000,
                 search_branches=24, search_n=4000, iso_n=2000, hang_timeout=20.0,
                 op_timeout=180.0),
    "quick": dict(reps=2, fio_size=16 * MiB, fio_runtime="300ms", meta_n=2000, readdir_passes=2,
                  find_n=5000, find_branches=4, scale_branches=[1, 4, 16, 64], scale_n=500,
                  search_branches=24, search_n=1000, iso_n=200, hang_timeout=10.0,
                  op_timeout=30.0),
}
