"""The isolation group: latency of stat and of open+read on healthy branches while the first
branch (a passthrough_ll mount) is frozen with SIGSTOP, against the same with every branch
healthy, and how soon after SIGCONT each target serves the thawed branch again (requests that
need the frozen branch, and umount: isolation_answers.py)."""

import gzip
import os
import shutil
import signal
import subprocess

from ..procs import _cont
from ..progress import log
from ..targets import Err
from .isolation_answers import RECOVERY_NAMES, IsolationAnswers

PT_DIR = "/usr/share/doc/libfuse3-dev/examples"
# (key, bench_meta latency mode, label); each op gets its own freeze, so both see the first
# request that reaches the frozen branch before the pool knows it is late.
OPS = [("stat", "statlat", "stat"), ("read", "readlat", "open+read 4 KiB")]
READ_BYTES = 4096
# (label, index in bench_meta's "ok OPS SECONDS p50 p90 p99 max" numbers)
STATS = [("p50", 2), ("p99", 4), ("max", 5)]
PHASES = [("healthy", "all branches healthy"), ("frozen", "first branch frozen (SIGSTOP)")]


class IsolationGroup(IsolationAnswers):
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
        rows = self.iso_rows()
        pt, why = self.build_passthrough()
        if not pt:
            return self.iso_skip(rows, f"skipped: {why}")
        g = os.path.join(self.tmp, "isolation")
        mark = len(self.undo)
        try:
            branches = [os.path.join(g, f"b{i}") for i in range(4)]
            for b in branches:
                self.mount_tmpfs(b, "256M")  # 4 KiB files take a page each
            ptmnt = os.path.join(g, "hung")
            ptproc, why = self.mount_fuse([pt, "-f", "-o", f"source={branches[0]},cache=never", ptmnt],
                                          ptmnt, "passthrough_ll.log")
            if not ptproc:
                return self.iso_skip(rows, f"skipped: passthrough_ll {why}")
            # raw works on branch 1 (healthy); pools see [frozen passthrough, b1, b2, b3].
            targets = self.make_targets(g, branches, "on", primary=1,
                                        pool_branches=[ptmnt] + branches[1:])
            blocked = {}  # (target, op) -> why: a target that blocked is not frozen again for op
            reps = self.sz["reps"]
            for rep in range(reps):
                log(f"isolation: rep {rep + 1}/{reps}")
                for op in OPS:
                    self.iso_round(targets, ptproc, rows, f"{rep}{op[0]}", op, blocked)
                self.answer_round(targets, ptproc, rows, f"{rep}", blocked)
            self.umount_frozen(targets, ptproc, rows["umount"])
        finally:
            self.release_to(mark)

    def iso_rows(self):
        """Rows keyed (op, phase, stat), (op, "ratio"), "recovery", ("chmod", key) and
        "umount"; one note for all."""
        n = self.sz["iso_n"]
        ht = self.args.hang_timeout or self.sz["hang_timeout"]
        note = (f"{n} calls per pass, files on the 3 healthy branches ({READ_BYTES} B for "
                f"open+read), fresh directories each pass; branch 1 of 4 is a passthrough_ll FUSE "
                f"mount, frozen with SIGSTOP for each op's 'frozen' passes (limit {ht:g}s), then "
                f"thawed; pools get the options above, so branch-deadline is at its default (5 s); "
                f"'max' while frozen includes the first request that asks the frozen branch before "
                f"it is known late; recovery: from SIGCONT, fresh names of files only on the thawed "
                f"branch stat'ed every 10 ms until one is found; chmod: a round of its own, two "
                f"files only on the frozen branch, stat'ed before the freeze; umount: once, at "
                f"the end, under a fresh freeze")
        rows = {}
        for key, _, label in OPS:
            for phase, plabel in PHASES:
                for stat, _ in STATS:
                    rows[key, phase, stat] = self.row("isolation", f"{label} {stat}, {plabel}",
                                                      "on", "µs", "lower", note)
            rows[key, "ratio"] = self.row("isolation", f"{label} p99 frozen / p99 healthy (same rep)",
                                          "on", "×", "lower", note)
        rows["recovery"] = self.row("isolation", "after SIGCONT: until a file on the thawed branch "
                                    "is found", "on", "s", "lower", note)
        self.answer_rows(rows, note)
        return rows

    def iso_skip(self, rows, why):
        for row in rows.values():
            for tn in self.targets_names:
                self.record(row, tn, Err(why))
        log(f"isolation {why}")

    def iso_round(self, targets, ptproc, rows, tag, op, blocked):
        """One op: a healthy pass, a frozen pass, then the thaw's recovery, on every target in
        turn; the files are made before and removed after (4 KiB each: reps would fill RAM)."""
        key, mode, _ = op
        dirs = self.iso_populate(targets, tag, key)
        try:
            healthy = {t.name: self.iso_pass(t, mode, f"{tag}b", None) for t in targets}
            os.kill(ptproc.pid, signal.SIGSTOP)
            thaw_mark = self.push("frozen passthrough_ll", lambda: _cont(ptproc.pid))
            try:
                frozen = {t.name: self.iso_frozen(t, op, f"{tag}h", blocked) for t in targets}
            finally:
                self.release_to(thaw_mark)
            for t in targets:
                self.iso_recovery(t, rows["recovery"], f"d{tag}z")
            self.reap_stuck(targets)
        finally:
            self.oob_rmtree(dirs)
        for t in targets:
            self.iso_record(rows, key, t.name, healthy[t.name], frozen[t.name])

    def iso_populate(self, targets, tag, key):
        """Out of band: pass files on the healthy branches (every directory on all four, as a
        pool would have it), recovery files only on the frozen one; returns what to remove."""
        n, made = self.sz["iso_n"], []
        for t in targets:
            for suffix, healthy in (("b", [1, 2, 3]), ("h", [1, 2, 3]), ("z", [0])):
                rel = f"d{tag}{suffix}"
                for d in t.oob(rel):
                    os.makedirs(d, exist_ok=True)
                made += t.oob(rel)
                dirs = t.populate_dirs(rel, healthy=healthy)
                if suffix == "z":
                    self.oob_fill(RECOVERY_NAMES, "z", 0, dirs)
                else:
                    self.oob_fill(n, "f", READ_BYTES if key == "read" else 0, dirs)
        return made

    def oob_fill(self, n, prefix, size, dirs):
        r = subprocess.run(self.meta_cmd + ["fill", str(n), prefix, str(size)] + dirs,
                           capture_output=True, text=True, timeout=600)
        if not r.stdout.startswith("ok"):
            raise RuntimeError(f"fill {dirs[0]}: {r.stdout.strip()} {r.stderr.strip()}")

    def iso_pass(self, t, mode, rel, timeout):
        """The latency numbers of one pass, or Err; with a timeout, a pass that does not end
        is left blocked (no abort: the thaw should free it)."""
        args = [mode, t.path(f"d{rel}"), str(self.sz["iso_n"]), "f"]
        if timeout is None:
            return self.meta(t, args)
        return self.meta(t, args, timeout=timeout, abort=False)

    def iso_frozen(self, t, op, rel, blocked):
        if (t.name, op[0]) in blocked:
            return Err(f"skipped: {blocked[t.name, op[0]]} in an earlier pass")
        ht = self.args.hang_timeout or self.sz["hang_timeout"]
        res = self.iso_pass(t, op[1], rel, ht)
        if isinstance(res, Err) and res.startswith("timed out"):
            blocked[t.name, op[0]] = "blocked"
            return Err(f"blocked: {self.sz['iso_n']} {op[2]} not done in {ht:g}s")
        return res

    def iso_recovery(self, t, row, rel):
        """Seconds from the thaw (this target's turn) until a file only on the thawed branch is
        seen: the pool must take the branch back without a remount."""
        res = self.meta(t, ["waitfor", t.path(rel), str(RECOVERY_NAMES), "z"],
                        timeout=RECOVERY_NAMES * 0.01 + 15, abort=False)
        if isinstance(res, Err):
            log(f"isolation: {t.name} after the thaw: {res}")
            self.record(row, t.name, res)
            return
        log(f"isolation: {t.name} serves the thawed branch again after {res[1]:.3f}s")
        self.record(row, t.name, res[1])

    def iso_record(self, rows, key, tn, healthy, frozen):
        for phase, res in (("healthy", healthy), ("frozen", frozen)):
            for stat, i in STATS:
                self.record(rows[key, phase, stat], tn, res if isinstance(res, Err) else res[i])
        # the done-when test: frozen p99 against the same rep's healthy p99, same target
        bad = next((r for r in (frozen, healthy) if isinstance(r, Err)), None)
        if bad is None and healthy[4] <= 0:
            bad = Err("zero healthy p99")
        self.record(rows[key, "ratio"], tn, bad if bad is not None else frozen[4] / healthy[4])

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
