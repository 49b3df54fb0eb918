"""Python stand-in for bench_meta.c (used only when no C compiler works). Same CLI, same output."""

import errno
import os
import sys
import time


def meta_helper_py(argv):
    def fail(i, e):
        print(f"err {i} {errno_name(e.errno)} {e.strerror}")
        return 1
    mode = argv[0]
    t0 = time.monotonic()
    if mode in ("populate", "fill"):
        n, prefix = int(argv[1]), argv[2]
        data, dirs = (b"x" * int(argv[3]), argv[4:]) if mode == "fill" else (b"", argv[3:])
        for i in range(n):
            try:
                fd = os.open(f"{dirs[i % len(dirs)]}/{prefix}{i:07d}", os.O_CREAT | os.O_WRONLY, 0o644)
                os.write(fd, data)
                os.close(fd)
            except OSError as e:
                return fail(i, e)
        print(f"ok {n} {time.monotonic() - t0:.9f}")
        return 0
    if mode == "answer":
        return answer(argv[1], argv[2])
    if mode == "waitfor":
        return wait_for(argv[1], int(argv[2]), argv[3], t0, fail)
    if mode == "readdir":
        d, passes, total, per = argv[1], int(argv[2]), 0, 0
        for p in range(passes):
            try:
                with os.scandir(d) as it:
                    per = sum(1 for _ in it)
            except OSError as e:
                return fail(p, e)
            total += per
        print(f"ok {total} {time.monotonic() - t0:.9f} {per}")
        return 0
    d, n, prefix = argv[1], int(argv[2]), argv[3]
    lat = []
    for i in range(n):
        p = f"{d}/{prefix}{i:07d}"
        try:
            if mode == "create":
                os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            elif mode == "stat":
                os.stat(p)
            elif mode == "open":
                os.close(os.open(p, os.O_RDONLY))
            elif mode == "unlink":
                os.unlink(p)
            elif mode in ("statlat", "readlat"):
                a = time.monotonic()
                os.stat(p) if mode == "statlat" else read_one(p)
                lat.append((time.monotonic() - a) * 1e6)
            else:
                print(f"bad mode {mode}", file=sys.stderr)
                return 2
        except OSError as e:
            return fail(i, e)
    total = time.monotonic() - t0
    if mode in ("statlat", "readlat"):
        lat.sort()
        pct = (lambda q: lat[int((n - 1) * q)]) if n else (lambda q: 0.0)
        print(f"ok {n} {total:.9f} {pct(.5):.3f} {pct(.9):.3f} {pct(.99):.3f} {lat[-1] if n else 0:.3f}")
    else:
        print(f"ok {n} {total:.9f}")
    return 0


def read_one(path):
    """open + one read of up to 4 KiB + close, as bench_meta.c's readlat; empty is an error."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if not os.read(fd, 4096):
            raise OSError(errno.ENODATA, os.strerror(errno.ENODATA))
    finally:
        os.close(fd)


def answer(op, path):
    """One stat or chmod, timed; prints its errno (0: success), as bench_meta.c's answer."""
    a, err = time.monotonic(), 0
    try:
        os.stat(path) if op == "stat" else os.chmod(path, 0o644)
    except OSError as e:
        err = e.errno
    print(f"ok 1 {time.monotonic() - a:.9f} {err}")
    return 0


def wait_for(d, n, prefix, t0, fail):
    """stat of a fresh name every 10 ms until one exists, as bench_meta.c's waitfor."""
    err = OSError(errno.ENOENT, os.strerror(errno.ENOENT))
    for i in range(n):
        try:
            os.stat(f"{d}/{prefix}{i:07d}")
            print(f"ok {i + 1} {time.monotonic() - t0:.9f}")
            return 0
        except OSError as e:
            err = e
        time.sleep(0.01)
    return fail(n - 1, err)


def errno_name(num):
    return errno.errorcode.get(num, f"E{num}")
