"""The fio group: sequential and random I/O over files written out of band."""

import json
import os
import re
import shutil

from ..progress import log
from ..report.format import _secs
from ..settings import MiB
from ..targets import Err

FIO_JOBS = [("fio seq write 1M, 1 job", "write", "1M", 1, "MiB/s"),
            ("fio seq write 1M, 2 jobs", "write", "1M", 2, "MiB/s"),
            ("fio seq read 1M, 1 job", "read", "1M", 1, "MiB/s"),
            ("fio seq read 1M, 2 jobs", "read", "1M", 2, "MiB/s"),
            ("fio rand read 4k", "randread", "4k", 1, "IOPS"),
            ("fio rand write 4k", "randwrite", "4k", 1, "IOPS")]


class FioGroup:
    """Mixin of Bench: group fio."""

    def group_fio(self):
        if not shutil.which("fio"):
            self.skip_group("fio", "fio not installed", [(j[0], j[4]) for j in FIO_JOBS])
            return
        g = os.path.join(self.tmp, "fio")
        size = self.sz["fio_size"]
        nb = 2
        branch_size = size * 2 * len(self.targets_names) + 64 * MiB
        branches = [os.path.join(g, f"b{i}") for i in range(nb)]
        mark = len(self.undo)
        try:
            for b in branches:
                self.mount_tmpfs(b, branch_size)
            targets = self.make_targets(g, branches, "on")
            # The data files exist before any target opens them (written out of band).
            chunk = os.urandom(MiB)
            for t in targets:
                d = os.path.join(branches[0], t.sub, "fio")
                os.makedirs(d, exist_ok=True)
                for j in range(2):
                    with open(os.path.join(d, f"f.{j}"), "wb") as f:
                        for _ in range(size // MiB):
                            f.write(chunk)
            jobs = FIO_JOBS
            for rep in range(self.sz["reps"]):
                log(f"fio: rep {rep + 1}/{self.sz['reps']}")
                for name, rw, bs, nj, unit in jobs:
                    row = self.row("fio", name, "on", unit, "higher",
                                   f"{size // MiB} MiB file per job (made out of band), psync, "
                                   f"{_secs(self.sz['fio_runtime'])} time-based")
                    for t in targets:
                        self.record(row, t.name, self.fio(t, t.path("fio"), rw, bs, nj, unit))
        finally:
            self.release_to(mark)

    def fio(self, t, d, rw, bs, jobs, unit):
        return self.after(t, self._fio(t, d, rw, bs, jobs, unit))

    def _fio(self, t, d, rw, bs, jobs, unit):
        bad = self.check(t)
        if bad:
            return bad
        runtime = self.sz["fio_runtime"]
        cmd = ["fio", "--name=bench", f"--directory={d}", "--filename_format=f.$jobnum",
               f"--size={self.sz['fio_size']}", f"--bs={bs}", f"--rw={rw}", f"--numjobs={jobs}",
               "--ioengine=psync", "--time_based", f"--runtime={runtime}", "--group_reporting",
               "--output-format=json", "--allow_file_create=0", "--invalidate=0",
               "--fallocate=none"]
        rc, out, err, secs, to = self.run(cmd, 60 + self.sz["op_timeout"] / 3, abort_mnt=t.mnt)
        if to:
            t.broken = "timed out earlier (fio)"
            return Err("fio timed out")
        reason = _fio_error(out + "\n" + err)
        data = None
        if "{" in out:
            try:
                data = json.loads(out[out.index("{"):])
            except ValueError:
                data = None
        if rc != 0 or data is None:
            return Err(reason or f"fio exit {rc}")
        job = data["jobs"][0]
        if job.get("error"):
            return Err(reason or f"fio error {job['error']} ({os.strerror(job['error'])})")
        side = job["write" if "write" in rw else "read"]
        if side.get("io_bytes", 0) == 0:
            return Err(reason or "no I/O done")
        return side["bw"] / 1024.0 if unit == "MiB/s" else side["iops"]


def _fio_error(text):
    m = re.search(r"error=([^\n]+)", text)
    if m:
        return m.group(1).strip()[:120]
    for line in text.splitlines():
        if line.startswith("fio:") or "err=" in line:
            return line.strip()[:120]
    return ""
