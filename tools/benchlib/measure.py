"""Result rows and the measuring helpers every group uses: bench_meta runs, out-of-band
population, rates."""

import os
import shutil
import subprocess

from .targets import Err


class Row:
    def __init__(self, group, name, cache, unit, better, note=""):
        self.group, self.name, self.cache, self.unit, self.better = group, name, cache, unit, better
        self.note = note
        self.samples = {}  # target -> [float | Err]


class Measure:
    """Mixin of Bench: records samples into rows and runs bench_meta against a target."""

    # ---- recording ------------------------------------------------------------------------------

    def row(self, group, name, cache, unit, better, note=""):
        key = (group, name, cache)
        if key not in self.rows:
            self.rows[key] = Row(group, name, cache, unit, better, note)
        return self.rows[key]

    def record(self, row, target, value):
        row.samples.setdefault(target, []).append(value)

    # ---- helpers that measure ---------------------------------------------------------------------

    def meta(self, target, args, timeout=None, abort=True):
        """Runs bench_meta; returns the list of numbers after 'ok', or Err."""
        return self.after(target, self._meta(target, args, timeout, abort))

    def _meta(self, target, args, timeout, abort):
        bad = self.check(target)
        if bad:
            return bad
        timeout = timeout or self.sz["op_timeout"]
        rc, out, err, secs, to = self.run(self.meta_cmd + args, timeout,
                                          abort_mnt=target.mnt if abort else None)
        if to:
            if abort:
                target.broken = f"timed out earlier ({args[0]})"
            return Err(f"timed out after {timeout:g}s")
        lines = out.strip().splitlines()
        last = lines[-1] if lines else ""
        if last.startswith("ok "):
            return [float(x) for x in last.split()[1:]]
        if last.startswith("err "):
            _, idx, name, msg = (last.split(" ", 3) + ["", ""])[:4]
            return Err(f"{name} ({msg}) at op {idx}")
        return Err(f"helper exit {rc}: {(err.strip() or out.strip())[-160:]}")

    def oob_populate(self, n, prefix, dirs):
        for d in dirs:
            os.makedirs(d, exist_ok=True)
        r = subprocess.run(self.meta_cmd + ["populate", str(n), prefix] + dirs,
                           capture_output=True, text=True, timeout=600)
        if not r.stdout.startswith("ok"):
            raise RuntimeError(f"populate {dirs[0]}: {r.stdout.strip()} {r.stderr.strip()}")

    def oob_rmtree(self, dirs):
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)

    def rate(self, res, ops_index=0, secs_index=1):
        if isinstance(res, Err):
            return res
        ops, secs = res[ops_index], res[secs_index]
        return ops / secs if secs > 0 else Err("zero elapsed time")

    def skip_group(self, group, why, names):
        for name, unit in names:
            row = self.row(group, name, "on", unit, "higher")
            for tn in self.targets_names:
                self.record(row, tn, Err(f"skipped: {why}"))
