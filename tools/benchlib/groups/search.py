"""The search group: many branches, files only on the last."""

import os

from ..progress import log


class SearchGroup:
    """Mixin of Bench: group search."""

    def group_search(self):
        n, nb = self.sz["search_n"], self.sz["search_branches"]
        g = os.path.join(self.tmp, "search")
        branches = [os.path.join(g, f"b{i:02d}") for i in range(nb)]
        mark = len(self.undo)
        try:
            for b in branches:
                self.mount_tmpfs(b, "64M")
            for cache in self.args.caches:
                m2 = len(self.undo)
                try:
                    targets = self.make_targets(g, branches, cache, primary=nb - 1)
                    for t in targets:
                        for d in t.oob("s"):
                            os.makedirs(d, exist_ok=True)
                    note = (f"{n} files, the directory on all {nb} branches, files only on the "
                            f"last; raw = the last branch")
                    for rep in range(self.sz["reps"]):
                        log(f"search cache={cache}: rep {rep + 1}/{self.sz['reps']}")
                        rel = f"s/r{rep}"
                        for t in targets:
                            for d in t.oob(rel):
                                os.makedirs(d, exist_ok=True)
                            self.oob_populate(n, "f", [t.oob(rel)[-1]])
                        for op, label in (("stat", "stat"), ("open", "open+close")):
                            row = self.row("search", f"{nb} branches, files on last: {label}",
                                           cache, "ops/s", "higher", note)
                            for t in targets:
                                self.record(row, t.name, self.rate(self.meta(t, [op, t.path(rel), str(n), "f"])))
                        for t in targets:
                            self.oob_rmtree(t.oob(rel))
                finally:
                    self.release_to(m2)
        finally:
            self.release_to(mark)
