"""The Bench driver: state of a run, set-up (temp dir, pool copy, metadata helper), the group
loop and the cleanup that undoes everything."""

import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import mountns
from .groups.find import FindGroup
from .groups.fio import FioGroup
from .groups.isolation import IsolationGroup
from .groups.meta import MetaGroups
from .groups.search import SearchGroup
from .lifecycle import Lifecycle
from .machine import _cpu_model, _git, _sha256, _version
from .measure import Measure
from .mounts import mount_table
from .procs import _killpg
from .progress import log
from .report.results import Report
from .settings import CACHE_OFF, ENTRY, META_SRC, SIZES


class Bench(Lifecycle, Measure, FioGroup, MetaGroups, FindGroup, SearchGroup, IsolationGroup,
            Report):
    """One run: its arguments, sizes, rows of samples, undo stack and daemons."""

    def __init__(self, args):
        self.args = args
        self.sz = dict(SIZES["quick" if args.quick else "full"])
        if args.reps:
            self.sz["reps"] = args.reps
        if args.op_timeout:
            self.sz["op_timeout"] = args.op_timeout
        self.targets_names = ["raw", "pool"] + (["peer"] if args.peer else [])
        self.rows = {}
        self.undo = []          # stack of (description, callable)
        self.stuck = []         # helper processes left blocked in a FUSE request
        self.current = None     # the measuring process running now
        self.cleaned = False
        self.tmp = None
        self.meta_cmd = None
        self.pool_bin = args.pool
        self.fusectl_mounted = False
        self.started = time.time()
        self.info = {}
        self.daemons = {}       # pid -> (label, log path)
        self.incidents = []     # daemons that exited on their own
        self.group = ""

    # ---- driver ---------------------------------------------------------------------------------

    def setup(self):
        base = self.args.tmp or "/tmp"
        self.tmp = tempfile.mkdtemp(prefix="mfs-bench.", dir=base)
        os.chmod(self.tmp, 0o755)
        # A copy of the pool binary: a rebuild during the run must not mix versions.
        bindir = os.path.join(self.tmp, "bin")
        os.makedirs(bindir)
        self.pool_bin = os.path.join(bindir, os.path.basename(self.args.pool))
        shutil.copy2(self.args.pool, self.pool_bin)
        out = os.path.join(self.tmp, "bench_meta")
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc and os.path.exists(META_SRC) and not self.args.python_helper:
            r = subprocess.run([cc, "-O2", "-o", out, META_SRC], capture_output=True, text=True, timeout=120)
            if r.returncode == 0:
                self.meta_cmd = [out]
            else:
                log(f"bench_meta.c did not compile ({r.stderr.strip()[-200:]}); using the Python helper")
        if not self.meta_cmd:
            self.meta_cmd = [sys.executable, ENTRY, "--meta-helper"]
        self.info["meta_helper"] = "C (tools/bench_meta.c)" if self.meta_cmd[0] == out else "Python"

    def collect_info(self):
        a = self.args
        info = self.info
        info["date"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        info["nproc"] = os.cpu_count()
        info["kernel"] = platform.release()
        info["cpu"] = _cpu_model()
        info["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
        info["loadavg_start"] = os.getloadavg()
        info["commit"] = _git(["rev-parse", "--short", "HEAD"]) or "unknown"
        if info["commit"] != "unknown" and _git(["status", "--porcelain", "--untracked-files=no"]):
            info["commit"] += "-dirty"
        info["pool"] = {"path": a.pool, "version": _version(self.pool_bin),
                        "sha256": _sha256(self.pool_bin), "run_from": self.pool_bin}
        if a.peer:
            info["peer"] = {"path": a.peer, "version": _version(a.peer), "sha256": _sha256(a.peer)}
        info["options"] = a.options
        info["cache_off_adds"] = CACHE_OFF
        info["caches"] = a.caches
        info["mode"] = "quick" if a.quick else "full"
        info["reps"] = self.sz["reps"]
        info["sizes"] = {k: v for k, v in self.sz.items()}
        info["namespace"] = mountns.NAMESPACE

    def main(self):
        self.setup()
        self.collect_info()
        for g in self.args.only:
            self.group = g
            t0 = time.monotonic()
            getattr(self, f"group_{g}")()
            log(f"{g}: done in {time.monotonic() - t0:.1f}s")

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            try:
                signal.signal(s, signal.SIG_IGN)
            except (OSError, ValueError):
                pass
        if self.current is not None and self.current.poll() is None:
            _killpg(self.current.pid)  # e.g. fio, when Ctrl-C came in the middle of a run
            try:
                self.current.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.stuck.append(self.current)
        self.release_to(0)
        for p in self.stuck:
            _killpg(p.pid)
        if self.tmp and os.path.isdir(self.tmp):
            left = [mp for mp, _, _ in mount_table() if mp == self.tmp or mp.startswith(self.tmp + "/")]
            if left:
                log(f"NOT removing {self.tmp}: still mounted: {left}")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
