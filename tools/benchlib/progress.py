"""Progress messages on stderr (stdout carries only the Markdown report)."""

import sys
import time


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
