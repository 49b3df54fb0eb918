"""The isolation group: stat latency while one branch (a passthrough_ll mount) is frozen."""

import gzip
import os
import shutil
import signal
import subprocess

from ..procs import _cont
from ..progress import log
from ..targets import Err

PT_DIR = "/usr/share/doc/libfuse3-dev/examples"


class IsolationGroup:
    """Mixin of Bench: group isolation."""

    def build_passthrough(self):
        src = os.path.join(PT_DIR, "passthrough_ll.c")
        if not os.path.exists(src) and os.path.exists(src + ".gz"):
            with gzip.open(src + ".gz") as f:
                data = f.read()
            src = os.path.join(self.tmp, "passthrough_ll.c")
            with open(src, "wb") as f:
                f.write(data)
        if not os.path.exists(src):
            return None, f"{PT_DIR}/passthrough_ll.c not found (install libfuse3-dev)"
        if not shutil.which("pkg-config") or not shutil.which("cc"):
            return None, "cc or pkg-config missing"
        r = subprocess.run(["pkg-config", "--cflags", "--libs", "fuse3"], capture_output=True, text=True)
        if r.returncode != 0:
            return None, "pkg-config fuse3 failed (install libfuse3-dev)"
        out = os.path.join(self.tmp, "passthrough_ll")
        r = subprocess.run(["cc", "-O2", "-I", PT_DIR, "-o", out, src] + r.stdout.split(),
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            return None, f"passthrough_ll did not compile: {r.stderr.strip()[-200:]}"
        return out, None

    def group_isolation(self):
        names = [("p50", 2, "stat p50, all branches healthy"),
                 ("p99", 4, "stat p99, all branches healthy"),
                 ("p50h", 2, "stat p50, first branch hung (SIGSTOP)"),
                 ("p99h", 4, "stat p99, first branch hung (SIGSTOP)"),
                 ("maxh", 5, "stat max, first branch hung (SIGSTOP)")]
        n = self.sz["iso_n"]
        ht = self.args.hang_timeout or self.sz["hang_timeout"]
        note = (f"{n} stats per pass of files on the 3 healthy branches; branch 1 of 4 is a "
                f"passthrough_ll FUSE mount, frozen with SIGSTOP during the 'hung' passes "
                f"(limit {ht:g}s)")
        rows = {k: self.row("isolation", label, "on", "µs", "lower", note) for k, _, label in names}
        pt, why = self.build_passthrough()
        if not pt:
            for k, _, _ in names:
                for tn in self.targets_names:
                    self.record(rows[k], tn, Err(f"skipped: {why}"))
            log(f"isolation skipped: {why}")
            return
        g = os.path.join(self.tmp, "isolation")
        mark = len(self.undo)
        try:
            branches = [os.path.join(g, f"b{i}") for i in range(4)]
            for b in branches:
                self.mount_tmpfs(b, "64M")
            ptmnt = os.path.join(g, "hung")
            ptproc, why = self.mount_fuse([pt, "-f", "-o", f"source={branches[0]},cache=never", ptmnt],
                                          ptmnt, "passthrough_ll.log")
            if not ptproc:
                for k, _, _ in names:
                    for tn in self.targets_names:
                        self.record(rows[k], tn, Err(f"skipped: passthrough_ll {why}"))
                return
            # raw works on branch 1 (healthy); pools see [hung passthrough, b1, b2, b3].
            targets = self.make_targets(g, branches, "on", primary=1,
                                        pool_branches=[ptmnt] + branches[1:])
            reps = self.sz["reps"]
            for t in targets:
                for rep in range(reps):
                    for pre in ("b", "h"):
                        rel = f"d{rep}{pre}"
                        for d in t.oob(rel):  # the directory exists on the hung branch too
                            os.makedirs(d, exist_ok=True)
                        self.oob_populate(n, "f", t.populate_dirs(rel, healthy=[1, 2, 3]))
            hung_before = {}
            for rep in range(reps):
                log(f"isolation: rep {rep + 1}/{reps}")
                for t in targets:
                    res = self.meta(t, ["statlat", t.path(f"d{rep}b"), str(n), "f"])
                    for k, i, _ in names[:2]:
                        self.record(rows[k], t.name, res if isinstance(res, Err) else res[i])
                os.kill(ptproc.pid, signal.SIGSTOP)
                thaw_mark = self.push("frozen passthrough_ll", lambda: _cont(ptproc.pid))
                try:
                    for t in targets:
                        if t.name in hung_before:
                            res = Err(f"skipped: {hung_before[t.name]} in an earlier pass")
                        else:
                            res = self.meta(t, ["statlat", t.path(f"d{rep}h"), str(n), "f"],
                                            timeout=ht, abort=False)
                            if isinstance(res, Err) and res.startswith("timed out"):
                                res = Err(f"blocked: {n} stats not done in {ht:g}s")
                                hung_before[t.name] = "blocked"
                        for k, i, _ in names[2:]:
                            self.record(rows[k], t.name, res if isinstance(res, Err) else res[i])
                finally:
                    self.release_to(thaw_mark)
                self.reap_stuck(targets)
        finally:
            self.release_to(mark)

    def reap_stuck(self, targets):
        """After a thaw, helpers that were blocked should finish; free the rest by aborting."""
        for p in list(self.stuck):
            try:
                p.communicate(timeout=10)
                self.stuck.remove(p)
            except subprocess.TimeoutExpired:
                pass
        if self.stuck:
            for t in targets:
                if t.mnt and not t.broken:
                    t.broken = "a blocked helper did not finish after the thaw"
                    self.abort_fuse(t.mnt)
            for p in list(self.stuck):
                try:
                    p.communicate(timeout=5)
                    self.stuck.remove(p)
                except subprocess.TimeoutExpired:
                    pass
