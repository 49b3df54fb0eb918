"""The private mount namespace the run happens in, so the host never sees its mounts."""

import ctypes
import os

from .procs import _LIBC

NAMESPACE = "host"  # "private" once private_mount_namespace() succeeded; goes into the JSON


def private_mount_namespace():
    """Moves this process (and so every child) into a mount namespace of its own whose mounts
    do not propagate back: whatever happens, the host never sees our mounts and they vanish
    with the last process. Returns None on success, else why not."""
    try:
        libc = _LIBC
        CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 16384, 1 << 18
        if libc.unshare(CLONE_NEWNS) != 0:
            return f"unshare: {os.strerror(ctypes.get_errno())}"
        if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            return f"mount --make-rprivate /: {os.strerror(ctypes.get_errno())}"
    except (OSError, AttributeError) as e:
        return str(e)
    global NAMESPACE
    NAMESPACE = "private"
    return None
