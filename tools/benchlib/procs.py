"""Child-process plumbing: die with the bench (PR_SET_PDEATHSIG), kill a process group, thaw a
frozen process, read a daemon's log tail, describe an exit status."""

import ctypes
import os
import signal

_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """preexec_fn: SIGKILL this child when the bench process dies, so that even a SIGKILL of
    the bench leaves no daemon behind (and, in the private namespace, no mount)."""
    _LIBC.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG


def _dec(b):
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _cont(pid):
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


def _tail(path, n=300):
    try:
        with open(path, "rb") as f:
            data = f.read()[-n:]
        return " ".join(_dec(data).split()) or "(no output)"
    except OSError:
        return "(no log)"


def _rc_desc(rc):
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"
