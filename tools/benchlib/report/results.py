"""The results of a run as JSON (every sample) and as the Markdown table on stdout."""

import os
import statistics
import time

from ..settings import CACHE_OFF
from ..targets import Err
from .format import _cell, _la, _ratio


class Report:
    """Mixin of Bench: turns the rows into JSON and Markdown."""

    def summary(self, samples):
        vals = [v for v in samples if not isinstance(v, Err)]
        errs = [v for v in samples if isinstance(v, Err)]
        s = {"samples": [v if not isinstance(v, Err) else {"error": str(v)} for v in samples]}
        if vals:
            s.update(median=statistics.median(vals), min=min(vals), max=max(vals))
        if errs:
            s["errors"] = len(errs)
            s["error"] = str(errs[0])
        return s

    def to_json(self, complete):
        self.info["loadavg_end"] = os.getloadavg()
        self.info["incidents"] = self.incidents
        self.info["seconds"] = round(time.time() - self.started, 1)
        res = []
        for r in self.rows.values():
            entry = {"group": r.group, "workload": r.name, "cache": r.cache, "unit": r.unit,
                     "better": r.better, "note": r.note,
                     "targets": {tn: self.summary(r.samples.get(tn, [])) for tn in self.targets_names}}
            for other in ("raw", "peer"):
                a, b = entry["targets"].get("pool", {}), entry["targets"].get(other, {})
                if other in entry["targets"] and "median" in a and "median" in b and b["median"]:
                    entry[f"pool/{other}"] = a["median"] / b["median"]
            res.append(entry)
        return {"complete": complete, "info": self.info, "results": res}

    def markdown(self, data):
        i = data["info"]
        peer = bool(self.args.peer)
        out = ["## tools/bench: raw tmpfs vs pool" + (" vs peer" if peer else ""), ""]
        out.append(f"- commit `{i.get('commit')}`, {i.get('date')}, {i.get('mode')} run, "
                   f"{i.get('reps')} reps interleaved ({' → '.join(self.targets_names)}), "
                   f"{i.get('seconds')}s" + ("" if data["complete"] else " (INTERRUPTED: partial)"))
        out.append(f"- machine: nproc {i.get('nproc')}, kernel {i.get('kernel')}, {i.get('cpu')}, "
                   f"{i.get('mem_gib')} GiB RAM, loadavg {_la(i.get('loadavg_start'))} → "
                   f"{_la(i.get('loadavg_end'))}")
        out.append(f"- pool `{i['pool']['path']}` ({i['pool']['version']}, sha256 "
                   f"{i['pool']['sha256'][:12]})"
                   + (f"; peer `{i['peer']['path']}` ({i['peer']['version']})" if peer else ""))
        out.append(f"- options `{i.get('options')}`; cache off appends `{CACHE_OFF}`; "
                   f"metadata helper: {i.get('meta_helper')}")
        out.append("- cells: median (min–max) over the reps; ratios compare medians "
                   "(>1× is faster for ops/s, MiB/s, IOPS; slower for µs)")
        out.append("")
        hdr = ["workload", "cache", "unit", "raw", "pool"] + (["peer"] if peer else []) + ["pool/raw"] + (["pool/peer"] if peer else [])
        out.append("| " + " | ".join(hdr) + " |")
        out.append("|" + "|".join(["---"] * 3 + ["---:"] * (len(hdr) - 3)) + "|")
        for e in data["results"]:
            cells = [e["workload"], e["cache"], e["unit"] + (" ↓" if e["better"] == "lower" else "")]
            for tn in self.targets_names:
                cells.append(_cell(e["targets"].get(tn, {})))
            cells.append(_ratio(e.get("pool/raw")))
            if peer:
                cells.append(_ratio(e.get("pool/peer")))
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        notes = []
        seen = set()
        for e in data["results"]:
            if e["note"] and (e["group"], e["note"]) not in seen:
                seen.add((e["group"], e["note"]))
                notes.append(f"- {e['group']}: {e['note']}")
        if notes:
            out += ["", "Set-up:"] + notes
        if i.get("incidents"):
            out += ["", "Incidents (daemons that exited on their own; log tails in the JSON):"]
            for inc in i["incidents"]:
                out.append(f"- {inc['daemon']}: {inc['exit']}")
        return "\n".join(out) + "\n"

    def harness_broken(self, data):
        for e in data["results"]:
            raw = e["targets"].get("raw", {})
            if raw.get("error") and not raw["error"].startswith("skipped") and "median" not in raw:
                return True
        return False
