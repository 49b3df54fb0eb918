"""What a workload measures: Target (raw directories, the pool or the peer) and Err, the
reason a measurement failed."""

import os


class Err(str):
    """A failed measurement: the reason."""


class Target:
    """One thing to measure: the raw branch directories, the pool or the peer.

    Each target works in its own subtree SUB of every branch: `path(rel)` is how the workload
    reaches rel (through the mount, or on the primary branch for raw), `oob(rel)` the same
    place on every branch, for out-of-band set-up."""

    def __init__(self, name, branches, sub, mnt=None, primary=0):
        self.name, self.branches, self.sub = name, branches, sub
        self.mnt, self.primary, self.broken = mnt, primary, None
        self.proc = None

    def path(self, rel=""):
        if self.mnt:
            return os.path.join(self.mnt, self.sub, rel)
        return os.path.join(self.branches[self.primary], self.sub, rel)

    def oob(self, rel=""):
        return [os.path.join(b, self.sub, rel) for b in self.branches]

    def populate_dirs(self, rel, healthy=None):
        """Where files of rel go out of band: spread over the branches for a pool, the primary
        branch for raw (raw is one directory)."""
        if not self.mnt:
            return [self.path(rel)]
        idx = healthy if healthy is not None else range(len(self.branches))
        return [os.path.join(self.branches[i], self.sub, rel) for i in idx]
