#!/usr/bin/env bash
# The evidence table of docs/results.md: every hierarchical contrastive method and its controls on Fashion-MNIST,
# several seeds each, then mean ± std per cell and paired differences against HMLC (same seeds).
#
#   scripts/evidence.sh [--budget quick|full] [--seeds "0 1 2"] [--out runs/evidence] [--only PATTERN]
#
# full  = 20,000 training images, 30 epochs (the budget issue #19 asks for; hours per run on a 2-core CPU)
# quick = 2,000 training images, 2 epochs (checks that every row runs; its numbers rank nothing)
# Runs that already have a metrics.json are kept, so an interrupted table resumes where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=quick; seeds="0 1 2"; out=runs/evidence; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget=$2; shift 2;;
    --seeds) seeds=$2; shift 2;;
    --out) out=$2; shift 2;;
    --only) only=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
case "$budget" in
  quick) limit=2000; epochs=2; probe=10;;
  full) limit=20000; epochs=30; probe=40;;
  *) echo "--budget is quick or full" >&2; exit 2;;
esac

# row name | method | extra options. The controls separate the masking effect from the inverse-frequency weighting
# (on by default only for g-hmlc / a-hmlc) and A-HMLC's second gradient path through its mask heads.
rows=(
  "ce|ce|"
  "ce-levels|ce-levels|"
  "supcon|supcon|"
  "hmlc|hmlc|"
  "hicone|hicone|"
  "himulcone|himulcone|"
  "g-hmlc|g-hmlc|"
  "a-hmlc|a-hmlc|"
  "hmlc+invfreq|hmlc|--inverse-frequency on"
  "g-hmlc-invfreq|g-hmlc|--inverse-frequency off"
  "a-hmlc-invfreq|a-hmlc|--inverse-frequency off"
  "a-hmlc+detach|a-hmlc|--detach-mask-input true"
  "g-hmlc-refit5|g-hmlc|--refit-every 5"
  "hmlc-normalised|hmlc|--loss-scale normalised"
)

dotnet build src/Arbor.Cli -c Release -nologo -v q >/dev/null
arbor() { src/Arbor.Cli/bin/Release/net10.0/Arbor.Cli "$@"; }

for row in "${rows[@]}"; do
  IFS='|' read -r name method extra <<<"$row"
  [ -n "$only" ] && [[ "$name" != $only ]] && continue
  for seed in $seeds; do
    dir="$out/$budget/$name/seed$seed"
    [ -f "$dir/metrics.json" ] && continue
    mkdir -p "$(dirname "$dir")"
    start=$(date +%s)
    # shellcheck disable=SC2086
    arbor train -m "$method" -d fashion-mnist --train-limit "$limit" --epochs "$epochs" --probe-epochs "$probe" \
      --seed "$seed" --decoding consistent $extra --out "$dir" --force >"$dir.log" 2>&1 || { echo "FAILED: $name seed $seed (log $dir.log)"; exit 1; }
    echo "$name seed $seed: $(( $(date +%s) - start )) s"
    echo "$(( $(date +%s) - start ))" >"$dir/seconds"
  done
done

python3 - "$out/$budget" <<'PY'
import json, os, statistics, sys
root = sys.argv[1]
cells = {}
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name)
    if not os.path.isdir(path): continue
    for seed in sorted(os.listdir(path)):
        m = os.path.join(path, seed, "metrics.json")
        if os.path.exists(m):
            cells.setdefault(name, {})[seed] = json.load(open(m))
def summary(values):
    return f"{100*statistics.mean(values):.2f} ± {100*statistics.stdev(values):.2f}" if len(values) > 1 else f"{100*values[0]:.2f}"
print(f"| row | seeds | " + " | ".join(f"level {i+1} top-1" for i in range(3)) + " | full path | consistency | mistake severity |")
print("|---|---|" + "---|" * 6)
for name, runs in cells.items():
    ms = list(runs.values())
    levels = [summary([m["levels"][i]["top1"] for m in ms]) for i in range(len(ms[0]["levels"]))]
    sev = [m["mistake_severity"] for m in ms]
    sev_s = f"{statistics.mean(sev):.3f} ± {statistics.stdev(sev):.3f}" if len(sev) > 1 else f"{sev[0]:.3f}"
    print(f"| {name} | {len(ms)} | " + " | ".join(levels) + f" | {summary([m['full_path'] for m in ms])} | {summary([m['consistency'] for m in ms])} | {sev_s} |")
if "hmlc" in cells:
    print("\nPaired differences against hmlc (same seeds), points, mean ± std over seeds:")
    for name, runs in cells.items():
        if name == "hmlc": continue
        shared = sorted(set(runs) & set(cells["hmlc"]))
        if not shared: continue
        leaf = [100 * (runs[s]["levels"][-1]["top1"] - cells["hmlc"][s]["levels"][-1]["top1"]) for s in shared]
        full = [100 * (runs[s]["full_path"] - cells["hmlc"][s]["full_path"]) for s in shared]
        f = lambda v: f"{statistics.mean(v):+.2f} ± {statistics.stdev(v):.2f}" if len(v) > 1 else f"{v[0]:+.2f}"
        print(f"  {name}: finest level {f(leaf)}, full path {f(full)} ({len(shared)} seeds)")
PY
