#!/usr/bin/env python3
"""The ledger of scripts/evidence.sh: one JSON file per finished cell (budget / row / seed), and the tables made from it.

  evidence-table.py record ENTRY RUN_DIR --row R --method M --options O --seed S --budget B --train-limit N
                           --epochs E --probe-epochs P --seconds T --commit C --command CMD
  evidence-table.py verify ENTRY RUN_DIR      exit 1 unless RUN_DIR's metrics equal ENTRY's exactly
  evidence-table.py table LEDGER [--budget B]  markdown: mean ± sample std per row, paired differences against hmlc,
                                               and the learning curves (budgets curve-eE; --budget curve for them alone)
  evidence-table.py sync DOC [--check]        rewrite the generated tables in DOC (between '<!-- evidence-table LEDGER
                                               BUDGET -->' and '<!-- end evidence-table -->') from the ledger; with
                                               --check, exit 1 if any differs instead (CI runs this on docs/results.md)
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import sys
import tempfile
from datetime import datetime, timezone


def metrics_of(run_dir):
    path = os.path.join(run_dir, "metrics.json")
    try:
        with open(path) as f:
            m = json.load(f)
        m["levels"][0]["top1"], m["full_path"], m["consistency"], m["mistake_severity"]
        return m
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        sys.exit(f"evidence-table: {path}: not a finished run's metrics ({e})")


def record(a):
    entry = {
        "row": a.row, "method": a.method, "options": a.options, "seed": a.seed, "budget": a.budget,
        "train_limit": a.train_limit, "epochs": a.epochs, "probe_epochs": a.probe_epochs, "threads": 1,
        "seconds": a.seconds, "commit": a.commit, "cpu": cpu(), "finished": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": a.command, "metrics": metrics_of(a.run_dir), "validation": validation_curve(a.run_dir),
    }
    os.makedirs(os.path.dirname(a.entry), exist_ok=True)
    # Written whole, then renamed: an interrupted run never leaves a half-written cell that would be skipped later.
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(a.entry), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(entry, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.entry)
    attach_masks(a.entry, a.run_dir)


# The instruction sets that decide which float kernels torch runs (oneDNN / MKL dispatch on them): a cell reproduces
# to the digit on the same kind of CPU, not necessarily on one with other vector units, and its time depends on them too.
KERNEL_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def cpu(cpuinfo="/proc/cpuinfo"):
    """'MODEL (flag, flag)' of this machine, e.g. 'AMD EPYC (avx2)'; 'unknown' where /proc/cpuinfo cannot be read."""
    model, flags = None, []
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model is None:
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = value.split()
    except OSError:
        return "unknown"
    return f"{model or 'unknown'} ({', '.join(f for f in KERNEL_FLAGS if f in flags) or 'no avx2'})"


def validation_curve(run_dir):
    """The finest level's validation top-1 after every epoch (the run's metrics.csv: nearest class mean on the projection
    for the contrastive methods, the classifier for ce): how far the training had levelled off. None without the file."""
    path = os.path.join(run_dir, "metrics.csv")
    if not os.path.isfile(path):
        return None
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in (rows[0] if rows else {}) if c.startswith("val_top1_")]
    if not columns:
        return None
    return {"level": columns[-1][len("val_top1_"):], "top1": [float(r[columns[-1]]) for r in rows]}


def attach_masks(entry, run_dir):
    """G-HMLC / A-HMLC cells keep the run's level-mask summary and picture beside their entry (seedS.masks.json,
    seedS.masks.png): the run folders are not committed, the ledger is."""
    stem = entry[:-len(".json")]
    for src, suffix in ((os.path.join(run_dir, "masks.json"), ".masks.json"),
                        (os.path.join(run_dir, "plots", "masks.png"), ".masks.png")):
        if os.path.isfile(src):
            shutil.copyfile(src, stem + suffix)


def headline(m):
    return [l["top1"] for l in m["levels"]] + [m["full_path"], m["consistency"], m["mistake_severity"]]


def verify(a):
    with open(a.entry) as f:
        cell = json.load(f)
    want = cell["metrics"]
    got = metrics_of(a.run_dir)
    names = [f"level {i + 1}" for i in range(len(want["levels"]))] + ["full path", "consistency", "mistake severity"]
    diffs = [(n, w, g) for n, w, g in zip(names, headline(want), headline(got)) if w != g]
    if not diffs:
        print(f"{a.entry}: reproduced exactly ({', '.join(f'{n} {v:.6g}' for n, v in zip(names, headline(got)))})")
        return 0
    for n, w, g in diffs:
        print(f"{a.entry}: {n} ledger {w!r}, rerun {g!r} (difference {g - w:+.3g})")
    recorded = cell.get("cpu", "a CPU not recorded (the cell predates the cpu field)")
    here = cpu()   # read only to explain a difference
    if recorded != here:
        print(f"{a.entry}: the cell ran on {recorded}, the rerun on {here}: torch picks its float kernels by instruction "
              "set, so a rerun is exact only on the same kind of CPU")
    return 1


# The methods first, in the order of docs/results.md, then the ablations by name.
ORDER = ["ce", "ce-levels", "supcon", "hmlc", "hicone", "himulcone", "hicone-batchmean", "himulcone-batchmean",
         "g-hmlc", "a-hmlc"]


def ordered(rows):
    return dict(sorted(rows.items(), key=lambda kv: (ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER), kv[0])))


def load(ledger):
    cells = {}
    for budget in sorted(os.listdir(ledger)) if os.path.isdir(ledger) else []:   # none yet: every cell failed
        bdir = os.path.join(ledger, budget)
        if not os.path.isdir(bdir):
            continue
        for row in sorted(os.listdir(bdir)):
            rdir = os.path.join(bdir, row)
            for name in sorted(os.listdir(rdir)) if os.path.isdir(rdir) else []:
                if name.endswith(".json") and not name.endswith(".masks.json"):
                    with open(os.path.join(rdir, name)) as f:
                        e = json.load(f)
                    masks = os.path.join(rdir, name[:-len(".json")] + ".masks.json")
                    if os.path.isfile(masks):
                        with open(masks) as f:
                            e["masks"] = json.load(f)
                    cells.setdefault(budget, {}).setdefault(row, {})[e["seed"]] = e
    return {budget: ordered(rows) for budget, rows in cells.items()}


def spread(values, scale=100, digits=2):
    v = [scale * x for x in values]
    return f"{statistics.mean(v):.{digits}f} ± {statistics.stdev(v):.{digits}f}" if len(v) > 1 else f"{v[0]:.{digits}f}"


# Two-sided 95 % quantiles of Student's t by degrees of freedom (the seeds of a paired comparison minus one).
# Beyond the table the nearest smaller entry is used, which is conservative.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000}


def interval(differences, scale=100):
    """The 95 % confidence interval of the mean paired difference, in points; "—" for a single seed."""
    v = [scale * d for d in differences]
    if len(v) < 2:
        return "—"
    t = T975[max(df for df in T975 if df <= len(v) - 1)]
    half = t * statistics.stdev(v) / len(v) ** 0.5
    m = statistics.mean(v)
    return f"[{m - half:+.2f}, {m + half:+.2f}]"


def budget_table(budget, rows):
    out = [f"Budget `{budget}`:", ""]
    first = next(iter(next(iter(rows.values())).values()))
    names = [l.get("name") or f"level {i + 1}" for i, l in enumerate(first["metrics"]["levels"])]
    out.append("| row | seeds | " + " | ".join(f"{n} top-1" for n in names) +
               " | full path | consistency | mistake severity | minutes per run |")
    out.append("|---|---|" + "---|" * (len(names) + 4))
    for row, runs in rows.items():
        ms = [e["metrics"] for e in runs.values()]
        levels = [spread([m["levels"][i]["top1"] for m in ms]) for i in range(len(names))]
        out.append(f"| {row} | {len(ms)} | " + " | ".join(levels) +
                   f" | {spread([m['full_path'] for m in ms])} | {spread([m['consistency'] for m in ms])}"
                   f" | {spread([m['mistake_severity'] for m in ms], 1, 3)}"
                   f" | {spread([e['seconds'] / 60 for e in runs.values()], 1, 0)} |")
    out += machines(rows)
    out += masks_table(rows)
    out += validation_table(rows)
    if "hmlc" not in rows or len(rows) < 2:
        return out
    out += ["", "Paired differences against hmlc on the same seeds (points; mean ± sample std of the per-seed "
            "differences; \"95 % interval\" is mean ± t·std/√n, Student's t with n − 1 degrees of freedom: it excludes "
            "0 only when the seeds agree on the sign well beyond their spread; \"above\" counts the seeds where the row "
            "beat hmlc):", "",
            "| row | seeds | finest level | 95 % interval | above | full path | 95 % interval | above |",
            "|---|---|---|---|---|---|---|---|"]
    base = rows["hmlc"]
    for row, runs in rows.items():
        shared = sorted(set(runs) & set(base))
        if row == "hmlc" or not shared:
            continue
        leaf = [runs[s]["metrics"]["levels"][-1]["top1"] - base[s]["metrics"]["levels"][-1]["top1"] for s in shared]
        full = [runs[s]["metrics"]["full_path"] - base[s]["metrics"]["full_path"] for s in shared]
        sign = lambda v: ("+" if statistics.mean(v) >= 0 else "") + spread(v)
        above = lambda v: f"{sum(d > 0 for d in v)} of {len(v)}"
        out.append(f"| {row} | {len(shared)} | {sign(leaf)} | {interval(leaf)} | {above(leaf)} | {sign(full)} | "
                   f"{interval(full)} | {above(full)} |")
    return out


def machines(rows):
    """Which cells ran on which kind of CPU (their entries' cpu): a rerun reproduces a cell to the digit only on the same
    kind, and the minutes depend on it too."""
    by_cpu = {}
    for row, runs in rows.items():
        for seed, e in runs.items():
            by_cpu.setdefault(e.get("cpu"), {}).setdefault(row, []).append(seed)
    def cells(seeds_by_row):
        return "; ".join(f"{row} seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, sorted(seeds)))}"
                         for row, seeds in seeds_by_row.items())
    lines = [f"- {cpu or 'not recorded (cells from before the ledger kept the CPU)'}: {cells(seeds_by_row)}"
             for cpu, seeds_by_row in sorted(by_cpu.items(), key=lambda kv: kv[0] or "")]
    return ["", "Where the cells ran (a rerun reproduces a cell to the digit on the same kind of CPU; "
            "`evidence.sh --verify` names both when they differ):", ""] + lines


def validation_table(rows):
    """The finest level's validation top-1 at a third, two thirds, five epochs before the end and at the end of the
    training, mean over the seeds whose entry kept its curve: whether the budget had levelled off."""
    curves = {row: [e["validation"]["top1"] for e in runs.values() if e.get("validation")] for row, runs in rows.items()}
    curves = {row: cs for row, cs in curves.items() if cs}
    if not curves:
        return []
    epochs = len(next(iter(curves.values()))[0])
    marks = sorted({max(1, epochs // 3), max(1, 2 * epochs // 3), max(1, epochs - 5), epochs})
    out = ["", "Validation top-1 of the finest level during training (the runs' metrics.csv: nearest class mean on the "
           "projection for the contrastive rows, the classifier for ce; mean over seeds): where the budget levels off.", "",
           "| row | seeds | " + " | ".join(f"epoch {m}" for m in marks) + f" | last {epochs - marks[-2]} epochs |",
           "|---|---|" + "---|" * (len(marks) + 1)]
    for row, cs in curves.items():
        cs = [c for c in cs if len(c) == epochs]
        if not cs:
            continue
        at = [statistics.mean(100 * c[m - 1] for c in cs) for m in marks]
        out.append(f"| {row} | {len(cs)} | " + " | ".join(f"{v:.2f}" for v in at) + f" | {at[-1] - at[-2]:+.2f} |")
    return out


def masks_table(rows):
    """Dimensions per level and their overlap for the rows whose cells kept a level-mask summary (G-HMLC, A-HMLC)."""
    masked = {row: [e["masks"] for e in runs.values() if "masks" in e] for row, runs in rows.items()}
    masked = {row: ms for row, ms in masked.items() if ms}
    if not masked:
        return []
    names = [l["name"] for l in next(iter(masked.values()))[0]["levels"]]
    out = ["", "Level masks (the runs' masks.json; mean over seeds): dimensions per level (hard masks: in the mask; soft: "
           "mask value above 0.5) and the mean pairwise overlap Σmin/Σmax between levels:", "",
           "| row | seeds | kind | " + " | ".join(names) + " | unused | overlap |",
           "|---|---|---|" + "---|" * (len(names) + 2)]
    for row, ms in masked.items():
        levels = len(ms[0]["levels"])
        dims = [spread([m["levels"][i]["dims_above_half"] for m in ms], 1, 1) for i in range(levels)]
        pairs = [[m["overlap"][i][j] for i in range(levels) for j in range(i + 1, levels)] for m in ms]
        overlap = spread([statistics.mean(p) for p in pairs], 1, 2) if levels > 1 else "—"
        out.append(f"| {row} | {len(ms)} | {ms[0]['kind']} | " + " | ".join(dims) +
                   f" | {spread([m['unused_dims'] for m in ms], 1, 1)} | {overlap} |")
    return out


def curve_table(curve):
    epochs = sorted(curve, key=lambda b: int(b[len("curve-e"):]))
    out = ["Learning curves (budget `curve-eE`: finest-level top-1 / full path, mean over seeds):", "",
           "| row | " + " | ".join(f"{b[len('curve-e'):]} epochs" for b in epochs) + " |",
           "|---|" + "---|" * len(epochs)]
    for row in ordered({r: None for b in epochs for r in curve[b]}):
        line = []
        for b in epochs:
            runs = curve[b].get(row)
            if not runs:
                line.append("")
                continue
            ms = [e["metrics"] for e in runs.values()]
            line.append(f"{spread([m['levels'][-1]['top1'] for m in ms])} / {spread([m['full_path'] for m in ms])}"
                        f" ({len(ms)} seed{'s' if len(ms) > 1 else ''}, "
                        f"{statistics.mean(e['seconds'] for e in runs.values()) / 60:.0f} min)")
        out.append(f"| {row} | " + " | ".join(line) + " |")
    return out


def render(ledger, budget=None):
    """The markdown for one budget (\"curve\" for the learning curves) or, with none, for every budget."""
    cells = load(ledger)
    curve = {b: rows for b, rows in cells.items() if b.startswith("curve-e")}
    blocks = [budget_table(b, rows) for b, rows in cells.items()
              if b not in curve and budget in (None, b)]
    if curve and budget in (None, "curve"):
        blocks.append(curve_table(curve))
    if not blocks:
        return [f"(no finished cell in {ledger} for budget {budget})"]
    return [line for block in blocks for line in block + [""]][:-1]


def table(a):
    print("\n".join(render(a.ledger, a.budget)))
    return 0


# A generated block in a document: the begin marker names the ledger and the budget, and sync rewrites (or --check
# compares) everything up to the end marker, so the tables in docs/results.md are the ledger's and nothing else.
BEGIN = "<!-- evidence-table "
END = "<!-- end evidence-table -->"


def sync(a):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(a.document) as f:
        lines = f.read().split("\n")
    out, stale, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if not line.startswith(BEGIN):
            continue
        args = line[len(BEGIN):].removesuffix("-->").split()
        if len(args) != 2:
            sys.exit(f"evidence-table: {a.document}:{i}: the marker is '{BEGIN}LEDGER BUDGET -->'")
        ledger, budget = args
        end = next((j for j in range(i, len(lines)) if lines[j] == END), None)
        if end is None:
            sys.exit(f"evidence-table: {a.document}:{i}: no '{END}' after this marker")
        fresh = [""] + render(os.path.join(root, ledger), budget) + [""]
        if lines[i:end] != fresh:
            stale.append(f"{a.document}:{i}: the {budget} table differs from {ledger}")
        out += fresh + [END]
        i = end + 1
    if a.check:
        for s in stale:
            print(f"evidence-table: {s} (run: python3 scripts/evidence-table.py sync {a.document})", file=sys.stderr)
        return 1 if stale else 0
    with open(a.document, "w") as f:
        f.write("\n".join(out))
    print(f"{a.document}: {len(stale)} table(s) rewritten")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", required=True)
    r = sub.add_parser("record")
    r.add_argument("entry"); r.add_argument("run_dir")
    for name in ("row", "method", "options", "budget", "commit", "command"):
        r.add_argument(f"--{name}", required=True)
    for name in ("seed", "train-limit", "epochs", "probe-epochs", "seconds"):
        r.add_argument(f"--{name}", type=int, required=True)
    v = sub.add_parser("verify")
    v.add_argument("entry"); v.add_argument("run_dir")
    t = sub.add_parser("table")
    t.add_argument("ledger"); t.add_argument("--budget", help="one budget, or 'curve' for the learning curves")
    y = sub.add_parser("sync")
    y.add_argument("document"); y.add_argument("--check", action="store_true")
    a = p.parse_args()
    return {"record": record, "verify": verify, "table": table, "sync": sync}[a.action](a) or 0


if __name__ == "__main__":
    sys.exit(main())
