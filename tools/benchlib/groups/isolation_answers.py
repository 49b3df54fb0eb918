"""The isolation group's requests that need the frozen branch: how long a chmod of a file on it
waits and what it answers (the first request after the freeze, then one once the branch is
known late), and how long a plain umount takes while the first branch is frozen."""

import errno
import os
import signal
import subprocess

from ..mounts import is_mounted
from ..procs import _cont
from ..progress import log
from ..targets import Err

# (key, label, accepted answers): the first chmod may wait up to branch-deadline (+250 ms for
# the watchdog) and answers EIO; the second comes once the branch is marked slow and should
# answer at once: by then the 1 s dentry TTL has passed, so the kernel looks the name up again
# and the pool, skipping the late branch, answers ENOENT as if it were absent.
CHMODS = [("first", "chmod of a file on the frozen branch, first request after the freeze "
                    "(answers EIO)", {errno.EIO}),
          ("later", "chmod of another file on it, right after (answers ENOENT or EIO)",
           {errno.ENOENT, errno.EIO})]
NO_FROZEN = Err("skipped: raw has no frozen branch")
# waitfor polls one fresh name every 10 ms: this many names give a thawed branch >= 15 s.
RECOVERY_NAMES = 1500


class IsolationAnswers:
    """Mixin of Bench, used by the isolation group."""

    def answer_rows(self, rows, note):
        for key, label, _ in CHMODS:
            rows["chmod", key] = self.row("isolation", label, "on", "s", "lower", note)
        rows["umount"] = self.row("isolation", "plain umount, first branch frozen", "on", "s",
                                  "lower", note)

    def answer_round(self, targets, ptproc, rows, tag, blocked):
        """Two files only on the first branch, looked up before the freeze (so each chmod goes
        straight to a SETATTR), chmod'ed while it is frozen; then the thaw's recovery."""
        rel = f"d{tag}e"
        made = []
        for t in targets:
            made += t.oob(rel)
            for d in t.oob(rel):
                os.makedirs(d, exist_ok=True)
            dirs = t.populate_dirs(rel, healthy=[0])  # raw: its own (healthy) directory
            self.oob_fill(RECOVERY_NAMES, "z", 0, dirs)
            if t.mnt:
                self.oob_fill(2, "e", 0, dirs)
        try:
            for t in targets:
                if t.mnt:
                    for i in range(2):
                        self.meta(t, ["answer", "stat", t.path(f"{rel}/e{i:07d}")])
            os.kill(ptproc.pid, signal.SIGSTOP)
            thaw_mark = self.push("frozen passthrough_ll", lambda: _cont(ptproc.pid))
            try:
                for t in targets:
                    self.chmod_answers(t, rows, rel, blocked)
            finally:
                self.release_to(thaw_mark)
            for t in targets:
                self.iso_recovery(t, rows["recovery"], rel)
            self.reap_stuck(targets)
        finally:
            self.oob_rmtree(made)

    def chmod_answers(self, t, rows, rel, blocked):
        if not t.mnt:
            for key, _, _ in CHMODS:
                self.record(rows["chmod", key], t.name, NO_FROZEN)
            return
        for i, (key, _, accepted) in enumerate(CHMODS):
            res = self.timed_answer(t, ["chmod", t.path(f"{rel}/e{i:07d}")], accepted, blocked)
            self.record(rows["chmod", key], t.name, res)

    def timed_answer(self, t, op, accepted, blocked):
        """Seconds until op answered one of the accepted errnos; Err if it blocked or answered
        something else."""
        if (t.name, "chmod") in blocked:
            return Err("skipped: blocked in an earlier chmod")
        ht = self.args.hang_timeout or self.sz["hang_timeout"]
        res = self.meta(t, ["answer"] + op, timeout=ht, abort=False)
        if isinstance(res, Err):
            if res.startswith("timed out"):
                blocked[t.name, "chmod"] = "blocked"
                return Err(f"blocked: {op[0]} not answered in {ht:g}s")
            return res
        secs, err = res[1], int(res[2])
        name = errno.errorcode.get(err, str(err)) if err else "success"
        log(f"isolation: {t.name} {op[0]} answered {name} after {secs:.3f}s")
        return secs if err in accepted else Err(f"answered {name} after {secs:.3f}s")

    def umount_frozen(self, targets, ptproc, row):
        """Last step of the group: `umount MNT` of each pool with the first branch frozen and
        not yet known late (the thaw of the previous round made it ok)."""
        ht = self.args.hang_timeout or self.sz["hang_timeout"]
        os.kill(ptproc.pid, signal.SIGSTOP)
        thaw_mark = self.push("frozen passthrough_ll", lambda: _cont(ptproc.pid))
        try:
            for t in targets:
                self.record(row, t.name, self.timed_umount(t, ht) if t.mnt else NO_FROZEN)
        finally:
            self.release_to(thaw_mark)

    def timed_umount(self, t, ht):
        bad = self.check(t)
        if bad:
            return bad
        rc, _, err, secs, timed_out = self.run(["umount", t.mnt], ht, abort_mnt=t.mnt)
        t.broken = "unmounted by the umount measurement"
        if timed_out:
            return Err(f"blocked: umount not done in {ht:g}s")
        if rc != 0 or is_mounted(t.mnt):
            return Err(f"umount exit {rc}: {err.strip()[-120:]}")
        self.log_daemon_exit(t)
        return secs

    def log_daemon_exit(self, t):
        """The daemon should exit by itself after the umount (within branch-deadline + 2 s)."""
        try:
            t.proc.wait(timeout=10)
            log(f"isolation: {t.name} daemon exited {t.proc.returncode} after the umount")
        except subprocess.TimeoutExpired:  # only a log line: the undo stack kills it
            log(f"isolation: {t.name} daemon still running 10 s after the umount")
