"""The mount table, read from /proc/self/mountinfo only: never touch a possibly hung mount."""

import re

def _unescape(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def mount_table():
    rows = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                parts = line.split()
                sep = parts.index("-")
                rows.append((_unescape(parts[4]), parts[sep + 1], parts[2]))
    except OSError:
        pass
    return rows


def mount_entry(path):
    hit = None
    for mp, fstype, majmin in mount_table():
        if mp == path:
            hit = (fstype, majmin)  # the last one is the top of the stack
    return hit


def is_mounted(path):
    return mount_entry(path) is not None
