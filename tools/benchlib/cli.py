"""Command line of tools/bench: argument parsing, signals, and main (run, JSON, Markdown)."""

import argparse
import atexit
import json
import os
import shutil
import signal
import sys

from .bench import Bench
from .meta_helper import meta_helper_py
from .mountns import private_mount_namespace
from .progress import log
from .settings import DEFAULT_OPTIONS, GROUPS, ROOT


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tools/bench",
        description="Interleaved benchmark of raw tmpfs branches, this pool and optionally a peer "
                    "mergerfs binary. Markdown to stdout, JSON to --json. Needs root.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="groups: " + ", ".join(GROUPS) + "\n"
               "examples:\n  tools/bench --quick\n  tools/bench --peer /usr/bin/mergerfs --json out.json\n"
               "  tools/bench --only meta,find --caches off --reps 3")
    p.add_argument("--quick", action="store_true", help="small sizes, 2 reps: a smoke run (< 2 min)")
    p.add_argument("--peer", metavar="PATH", help="also measure this binary (same command line)")
    p.add_argument("--pool", metavar="PATH", default=os.path.join(ROOT, "build", "mergerfs"),
                   help="the pool binary (default: %(default)s)")
    p.add_argument("--options", "-o", default=DEFAULT_OPTIONS, metavar="OPTS",
                   help="-o options for every pool (default: %(default)s)")
    p.add_argument("--reps", type=int, metavar="N", help="repetitions (default 5, quick 2)")
    p.add_argument("--json", default="bench-results.json", metavar="PATH",
                   help="where to write the JSON results (default: %(default)s)")
    p.add_argument("--only", default=",".join(GROUPS), metavar="GROUPS",
                   help="comma-separated groups to run (default: all)")
    p.add_argument("--caches", default="on,off", metavar="on,off",
                   help="kernel cache variants for the metadata groups (default: %(default)s)")
    p.add_argument("--hang-timeout", type=float, metavar="SECONDS",
                   help="isolation: how long a pass may block while a branch is frozen "
                        "(default 20, quick 10; the pool's branch-deadline defaults to 5)")
    p.add_argument("--op-timeout", type=float, metavar="SECONDS",
                   help="limit for one measurement (default 180, quick 30); a target that "
                        "exceeds it is aborted and skipped for the rest of its group")
    p.add_argument("--tmp", metavar="DIR", help="parent of the temporary directory (default /tmp)")
    p.add_argument("--python-helper", action="store_true",
                   help="time metadata loops with Python os calls instead of compiling "
                        "tools/bench_meta.c (the fallback when no C compiler works)")
    p.add_argument("--no-unshare", action="store_true",
                   help="stay in the host mount namespace")
    a = p.parse_args(argv)
    a.only = [g.strip() for g in a.only.split(",") if g.strip()]
    bad = [g for g in a.only if g not in GROUPS]
    if bad:
        p.error(f"unknown group(s) {bad}; choose from {GROUPS}")
    a.caches = [c.strip() for c in a.caches.split(",") if c.strip()]
    if not a.caches or any(c not in ("on", "off") for c in a.caches):
        p.error("--caches takes on, off or on,off")
    if a.reps is not None and a.reps < 1:
        p.error("--reps must be at least 1")
    for name in ("pool", "peer"):
        path = getattr(a, name)
        if path:
            path = shutil.which(path) or path
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                hint = " (build it with tools/build.sh)" if name == "pool" else ""
                p.error(f"--{name} {path}: not an executable file{hint}")
            setattr(a, name, os.path.realpath(path))
    return a


def main(argv):
    if argv[:1] == ["--meta-helper"]:
        return meta_helper_py(argv[1:])
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("tools/bench: must run as root (it mounts tmpfs and FUSE)", file=sys.stderr)
        return 2
    if not args.no_unshare:
        why = private_mount_namespace()
        if why:
            log(f"running in the host mount namespace ({why})")
    bench = Bench(args)

    def on_signal(signum, frame):
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    atexit.register(bench.cleanup)
    complete, rc = False, 0
    try:
        bench.main()
        complete = True
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        rc = 130
    except SystemExit as e:
        log(f"terminated; cleaning up")
        rc = e.code if isinstance(e.code, int) else 1
    except Exception:
        import traceback
        traceback.print_exc()
        rc = 1
    finally:
        bench.cleanup()
    if not bench.info:
        return rc
    data = bench.to_json(complete)
    try:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")
        log(f"JSON written to {os.path.abspath(args.json)}")
    except OSError as e:
        log(f"could not write {args.json}: {e}")
    sys.stdout.write(bench.markdown(data))
    sys.stdout.flush()
    if rc == 0 and bench.harness_broken(data):
        log("a raw-directory measurement failed: the harness or the machine is broken")
        rc = 1
    return rc
