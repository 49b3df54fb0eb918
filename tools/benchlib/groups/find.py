"""The find group: find over a tree spread over several branches."""

import os

from ..progress import log
from ..report.format import _k
from ..targets import Err


class FindGroup:
    """Mixin of Bench: group find."""

    def group_find(self):
        n, nb = self.sz["find_n"], self.sz["find_branches"]
        top, sub = 10, 10
        per = max(1, n // (top * sub))
        n = per * top * sub
        g = os.path.join(self.tmp, "find")
        branches = [os.path.join(g, f"b{i}") for i in range(nb)]
        mark = len(self.undo)
        try:
            for b in branches:
                self.mount_tmpfs(b, "512M")
            made = False
            for cache in self.args.caches:
                m2 = len(self.undo)
                try:
                    targets = self.make_targets(g, branches, cache)
                    if not made:
                        log(f"find: populating {n} files per target over {nb} branches")
                        for t in targets:
                            for a in range(top):
                                for b in range(sub):
                                    rel = f"tree/d{a:02d}/e{b:02d}"
                                    for d in t.oob(rel):
                                        os.makedirs(d, exist_ok=True)
                                    # raw is spread like the pools; find walks every branch
                                    self.oob_populate(per, f"f{a}_{b}_", t.oob(rel))
                        made = True
                    note = (f"{n} files in {top * sub} dirs over {nb} branches; "
                            f"raw = find over the {nb} branch dirs")
                    variants = [("find, no stat", []), ("find -printf %s (stat)", ["-printf", "%s\n"])]
                    for rep in range(self.sz["reps"]):
                        log(f"find cache={cache}: rep {rep + 1}/{self.sz['reps']}")
                        for name, extra in variants:
                            row = self.row("find", f"{name}, {_k(n)} files", cache, "files/s", "higher", note)
                            for t in targets:
                                self.record(row, t.name, self.find(t, extra, n))
                finally:
                    self.release_to(m2)
        finally:
            self.release_to(mark)

    def find(self, t, extra, n):
        return self.after(t, self._find(t, extra, n))

    def _find(self, t, extra, n):
        bad = self.check(t)
        if bad:
            return bad
        paths = t.oob("tree") if not t.mnt else [t.path("tree")]
        to_s = self.sz["op_timeout"]
        rc, out, err, secs, to = self.run(["find"] + paths + extra, to_s, abort_mnt=t.mnt)
        if to:
            t.broken = "timed out earlier (find)"
            return Err(f"timed out after {to_s:g}s")
        if rc != 0:
            return Err(f"find exit {rc}: {err.strip().splitlines()[-1][-120:] if err.strip() else ''}")
        entries = out.count("\n")
        if entries < n:
            return Err(f"listed {entries} entries, fewer than the {n} files")
        return n / secs  # the same work for every target (raw lists each directory per branch)
