"""How numbers, cells, ratios and labels are written in the Markdown report."""


def _k(n):
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _num(v):
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _cell(s):
    if "median" in s:
        c = f"{_num(s['median'])} ({_num(s['min'])}–{_num(s['max'])})"
        if s.get("errors"):
            c += f" [{s['errors']} failed: {s['error'][:60]}]"
        return c
    if s.get("error"):
        e = s["error"]
        return e if e.startswith("skipped") else f"error: {e[:90]}"
    return "—"


def _ratio(r):
    if r is None:
        return "—"
    return f"{r:.0f}×" if r >= 10 else f"{r:.2f}×" if r >= 0.1 else f"{r:.2g}×"


def _secs(t):
    return t if t.endswith("s") else f"{t}s"


def _la(la):
    return "/".join(f"{x:.2f}" for x in la) if la else "?"
