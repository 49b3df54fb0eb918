"""Resources of a run and how each is undone: the undo stack, measured child processes,
tmpfs mounts, FUSE daemons (start, death, abort, unmount) and the targets of a group."""

import os
import signal
import subprocess
import time

from .mounts import is_mounted, mount_entry
from .procs import _dec, _die_with_parent, _killpg, _rc_desc, _tail
from .progress import log
from .settings import CACHE_OFF
from .targets import Err, Target


class Lifecycle:
    """Mixin of Bench: everything that is started, mounted or frozen, and its undo."""

    # ---- resources ---------------------------------------------------------------------------

    def push(self, desc, fn):
        self.undo.append((desc, fn))
        return len(self.undo) - 1

    def release_to(self, mark):
        while len(self.undo) > mark:
            desc, fn = self.undo.pop()
            try:
                fn()
            except BaseException as e:  # keep undoing whatever happens
                log(f"cleanup of {desc} failed: {e!r}")

    def run(self, cmd, timeout, abort_mnt=None, stdout=subprocess.PIPE):
        """Runs cmd in its own process group. Returns (rc, out, err, seconds, timed_out).
        On timeout the group is SIGKILLed; a process stuck in a FUSE request is freed by
        aborting abort_mnt's connection, or else parked in self.stuck."""
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=subprocess.PIPE, start_new_session=True,
                             preexec_fn=_die_with_parent)
        self.current = p
        try:
            out, err = p.communicate(timeout=timeout)
            self.current = None
            return p.returncode, _dec(out), _dec(err), time.monotonic() - t0, False
        except subprocess.TimeoutExpired:
            self.current = None
            elapsed = time.monotonic() - t0
            _killpg(p.pid)
            try:
                out, err = p.communicate(timeout=3)
            except subprocess.TimeoutExpired:
                if abort_mnt:
                    self.abort_fuse(abort_mnt)
                    try:
                        out, err = p.communicate(timeout=5)
                    except subprocess.TimeoutExpired:
                        self.stuck.append(p)
                        out, err = b"", b""
                else:
                    self.stuck.append(p)
                    out, err = b"", b""
            return None, _dec(out), _dec(err), elapsed, True

    def sh(self, cmd, timeout=30):
        try:
            return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=timeout).returncode
        except (subprocess.TimeoutExpired, OSError):
            return None

    def mount_tmpfs(self, path, size):
        os.makedirs(path, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"mount tmpfs {path}: {r.stderr.strip()}")
        self.push(f"tmpfs {path}", lambda: self.unmount_plain(path))

    def unmount_plain(self, path):
        if is_mounted(path):
            self.sh(["umount", path], 30)
        if is_mounted(path):
            self.sh(["umount", "-l", path], 30)

    def abort_fuse(self, mnt):
        ent = mount_entry(mnt)
        if not ent or not ent[0].startswith("fuse"):
            return False
        minor = int(ent[1].split(":")[1])
        conn = "/sys/fs/fuse/connections"
        if not os.path.isdir(f"{conn}/{minor}") and not self.fusectl_mounted:
            if self.sh(["mount", "-t", "fusectl", "fusectl", conn], 10) == 0:
                self.fusectl_mounted = True
                self.push("fusectl", lambda: self.unmount_plain(conn))
        try:
            with open(f"{conn}/{minor}/abort", "w") as f:
                f.write("1")
            log(f"aborted the FUSE connection of {mnt}")
            return True
        except OSError as e:
            log(f"could not abort the FUSE connection of {mnt}: {e}")
            return False

    def note_death(self, proc):
        """Records a daemon that exited while it should have been serving; returns a short
        description, or None if it is alive."""
        rc = proc.poll()
        if rc is None:
            return None
        desc = _rc_desc(rc)
        label, logpath = self.daemons.get(proc.pid, ("?", None))
        if not any(i["pid"] == proc.pid for i in self.incidents):
            tail = _tail(logpath, 2000) if logpath else ""
            self.incidents.append({"pid": proc.pid, "daemon": label, "exit": desc, "log_tail": tail})
            log(f"daemon {label} (pid {proc.pid}) exited on its own: {desc}; log: {tail[-300:]}")
        return desc

    def check(self, t):
        """Err if target t cannot be measured any more, else None."""
        if t.broken:
            return Err(f"skipped: {t.broken}")
        if t.proc is not None:
            desc = self.note_death(t.proc)
            if desc:
                t.broken = f"daemon exited ({desc})"
                return Err(t.broken)
        return None

    def after(self, t, res):
        """Annotates a failed measurement whose daemon died meanwhile."""
        if isinstance(res, Err) and t.proc is not None and not t.broken:
            desc = self.note_death(t.proc)
            if desc:
                t.broken = f"daemon exited ({desc})"
                return Err(f"daemon died ({desc}): {res}")
        return res

    def unmount_fuse(self, mnt, proc):
        if proc is not None and mount_entry(mnt):
            self.note_death(proc)
        if is_mounted(mnt):
            self.sh(["fusermount3", "-u", mnt], 15)
        if is_mounted(mnt):
            self.sh(["umount", "-l", mnt], 15)
        if is_mounted(mnt):
            self.abort_fuse(mnt)
            self.sh(["umount", "-l", mnt], 15)
        if proc is not None and proc.poll() is None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 3)):
                    try:
                        os.kill(proc.pid, sig)
                    except ProcessLookupError:
                        break
                    try:
                        proc.wait(timeout=wait)
                        break
                    except subprocess.TimeoutExpired:
                        pass

    def mount_fuse(self, cmd, mnt, logname):
        """Starts a foreground FUSE daemon; returns (Popen, None) once mnt is a FUSE mount, or
        (None, reason)."""
        os.makedirs(mnt, exist_ok=True)
        logpath = os.path.join(self.tmp, logname)
        with open(logpath, "ab") as lf:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                                 start_new_session=True, preexec_fn=_die_with_parent)
        self.daemons[p.pid] = (f"{self.group}: {os.path.basename(mnt)}", logpath)
        self.push(f"fuse {mnt}", lambda: self.unmount_fuse(mnt, p))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ent = mount_entry(mnt)
            if ent and ent[0].startswith("fuse"):
                return p, None
            if p.poll() is not None:
                return None, f"exited {p.returncode} before mounting: {_tail(logpath)}"
            time.sleep(0.02)
        return None, f"not mounted after 20s: {_tail(logpath)}"

    # ---- targets --------------------------------------------------------------------------------

    def pool_options(self, cache):
        opts = self.args.options
        if cache == "off":
            opts = f"{opts},{CACHE_OFF}" if opts else CACHE_OFF
        return opts

    def make_targets(self, gdir, branches, cache, primary=0, pool_branches=None):
        """raw + one mount per binary over `branches` (pool_branches overrides the branch list
        given to the daemons, e.g. a FUSE mount standing for a tmpfs)."""
        pool_branches = pool_branches or branches
        targets = [Target("raw", branches, "raw", primary=primary)]
        bins = [("pool", self.pool_bin)] + ([("peer", self.args.peer)] if self.args.peer else [])
        for name, binary in bins:
            mnt = os.path.join(gdir, f"mnt-{name}-{cache}")
            t = Target(name, branches, name, mnt=mnt, primary=primary)
            for d in t.oob():
                os.makedirs(d, exist_ok=True)
            cmd = [binary, "-f", "-o", self.pool_options(cache), ":".join(pool_branches), mnt]
            proc, why = self.mount_fuse(cmd, mnt, f"{name}-{os.path.basename(gdir)}-{cache}.log")
            t.proc = proc
            if why:
                t.broken = f"mount failed: {why}"
                log(f"{name}: {t.broken}")
            targets.append(t)
        os.makedirs(targets[0].path(), exist_ok=True)
        for d in targets[0].oob():
            os.makedirs(d, exist_ok=True)
        return targets
