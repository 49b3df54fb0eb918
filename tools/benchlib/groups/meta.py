"""The meta and scaling groups: create, stat, readdir and unlink cycles in one directory."""

import os

from ..progress import log
from ..report.format import _k
from ..targets import Err


class MetaGroups:
    """Mixin of Bench: groups meta and scaling (both run meta_cycle)."""

    def meta_cycle(self, group, targets, n, cache, label, ops, extra_note=""):
        """Per repetition: create into an empty directory; then files made out of band are
        stat'ed, listed and unlinked. Every op is measured on every target in turn."""
        note = f"{n} files in one directory{extra_note}"
        for rep in range(self.sz["reps"]):
            log(f"{group}{label} cache={cache}: rep {rep + 1}/{self.sz['reps']}")
            if "create" in ops:
                row = self.row(group, f"create{label}", cache, "ops/s", "higher", note)
                for t in targets:
                    rel = f"c{rep}"
                    for d in t.oob(rel):
                        os.makedirs(d, exist_ok=True)
                    self.record(row, t.name, self.rate(self.meta(t, ["create", t.path(rel), str(n), "f"])))
                    self.oob_rmtree(t.oob(rel))
            rel = f"s{rep}"
            for t in targets:
                for d in t.oob(rel):
                    os.makedirs(d, exist_ok=True)
                self.oob_populate(n, "f", t.populate_dirs(rel))
            if "stat" in ops:
                row = self.row(group, f"stat{label}", cache, "ops/s", "higher", note)
                for t in targets:
                    self.record(row, t.name, self.rate(self.meta(t, ["stat", t.path(rel), str(n), "f"])))
            if "readdir" in ops:
                passes = self.sz["readdir_passes"]
                row = self.row(group, f"readdir{label}", cache, "entries/s", "higher",
                               f"{n}-entry directory, {passes} passes of opendir/readdir")
                for t in targets:
                    res = self.meta(t, ["readdir", t.path(rel), str(passes)])
                    if not isinstance(res, Err) and int(res[2]) != n:
                        res = Err(f"listed {int(res[2])} of {n} entries")
                    self.record(row, t.name, self.rate(res))
            if "unlink" in ops:
                row = self.row(group, f"unlink{label}", cache, "ops/s", "higher", note)
                for t in targets:
                    self.record(row, t.name, self.rate(self.meta(t, ["unlink", t.path(rel), str(n), "f"])))
            for t in targets:
                self.oob_rmtree(t.oob(rel))

    def group_meta(self):
        n = self.sz["meta_n"]
        g = os.path.join(self.tmp, "meta")
        branches = [os.path.join(g, f"b{i}") for i in range(2)]
        mark = len(self.undo)
        try:
            for b in branches:
                self.mount_tmpfs(b, "512M")
            for cache in self.args.caches:
                m2 = len(self.undo)
                try:
                    targets = self.make_targets(g, branches, cache)
                    self.meta_cycle("meta", targets, n, cache, f" {_k(n)} files",
                                    ["create", "stat", "readdir", "unlink"],
                                    "; 2 branches, pool files spread over both")
                finally:
                    self.release_to(m2)
        finally:
            self.release_to(mark)

    def group_scaling(self):
        n = self.sz["scale_n"]
        g = os.path.join(self.tmp, "scaling")
        mark = len(self.undo)
        try:
            for nb in self.sz["scale_branches"]:
                m1 = len(self.undo)
                try:
                    gb = os.path.join(g, f"n{nb}")
                    branches = [os.path.join(gb, f"b{i}") for i in range(nb)]
                    for b in branches:
                        self.mount_tmpfs(b, "128M")
                    for cache in self.args.caches:
                        m2 = len(self.undo)
                        try:
                            targets = self.make_targets(gb, branches, cache)
                            self.meta_cycle("scaling", targets, n, cache,
                                            f", {nb} branch{'es' if nb > 1 else ''}",
                                            ["create", "stat", "unlink"],
                                            "; pool files round-robin over the branches; raw is one branch")
                        finally:
                            self.release_to(m2)
                finally:
                    self.release_to(m1)
        finally:
            self.release_to(mark)
