#!/usr/bin/env bash
# The point-cloud table of docs/results.md: every image method on the generated shape set (`shapes`, 2 / 4 / 12 classes)
# with PointNet at one budget, several seeds each, then mean ± std per cell and the mean wall time per run.
#
#   scripts/shapes-results.sh [--seeds "0 1"] [--out runs/shapes-table] [--only PATTERN]
#
# Budget (fixed, so the table means one thing): 128 points per cloud, 4 epochs of batch 64 over the 1,296 training clouds
# (the 1,440-cloud pool less the seeded 10 % validation carve), a 20-epoch linear probe per level for the contrastive
# methods, test on the 480 test clouds, independent (per-level argmax) decoding — so consistency is a measurement.
# Everything else is each method's point-cloud default (AdamW at 1e-3; docs/points.md).
# Runs one at a time under `nice` (the machine is shared). Runs with a metrics.json are kept, so an interrupted table
# resumes where it stopped; delete the folder to measure again.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="0 1"; out=runs/shapes-table; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2;;
    --out) out=$2; shift 2;;
    --only) only=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
methods="ce ce-levels supcon hmlc hicone himulcone g-hmlc a-hmlc"

./arbor --version >/dev/null          # builds the CLI first when its sources changed, so no run's time includes a build
arbor=src/Arbor.Cli/bin/Release/net10.0/Arbor.Cli     # then the built program itself: an edit mid-table rebuilds nothing

for method in $methods; do
  [ -n "$only" ] && [[ "$method" != $only ]] && continue
  for seed in $seeds; do
    dir="$out/$method/seed$seed"
    # The same model decoded consistently (best valid root-to-leaf path): full path when the tree is enforced.
    if [ -f "$dir/metrics.json" ]; then
      [ -f "$dir/eval-shapes-test-consistent.json" ] || nice "$arbor" eval --run "$dir" --decoding consistent >/dev/null 2>>"$dir.log"
      continue
    fi
    mkdir -p "$(dirname "$dir")"
    start=$(date +%s.%N)
    nice "$arbor" train -m "$method" -d shapes --backbone pointnet --points 128 --epochs 4 --batch 64 --probe-epochs 20 \
      --seed "$seed" --decoding independent --threads 2 --out "$dir" --force >"$dir.log" 2>&1 \
      || { echo "FAILED: $method seed $seed (log $dir.log)"; exit 1; }
    seconds=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
    echo "$seconds" >"$dir/seconds"
    echo "$method seed $seed: $seconds s"
    nice "$arbor" eval --run "$dir" --decoding consistent >/dev/null 2>>"$dir.log"
  done
done

python3 - "$out" $methods <<'PY'
import json, os, statistics, sys
root, methods = sys.argv[1], sys.argv[2:]
def cell(values, scale=100, digits=2):
    values = [scale * v for v in values]
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else f"{values[0]:.{digits}f}"
print("| method | seeds | level 1 (2) | level 2 (4) | level 3 (12) | full path | consistency | mistake severity | full path, consistent decoding | wall s per run |")
print("|---|---|---|---|---|---|---|---|---|---|")
for method in methods:
    folder = os.path.join(root, method)
    if not os.path.isdir(folder): continue
    runs = [os.path.join(folder, s) for s in sorted(os.listdir(folder)) if os.path.exists(os.path.join(folder, s, "metrics.json"))]
    if not runs: continue
    ms = [json.load(open(os.path.join(r, "metrics.json"))) for r in runs]
    secs = [float(open(os.path.join(r, "seconds")).read()) for r in runs if os.path.exists(os.path.join(r, "seconds"))]
    cons = [json.load(open(os.path.join(r, "eval-shapes-test-consistent.json")))["full_path"] for r in runs
            if os.path.exists(os.path.join(r, "eval-shapes-test-consistent.json"))]
    levels = " | ".join(cell([m["levels"][i]["top1"] for m in ms]) for i in range(len(ms[0]["levels"])))
    print(f"| {method} | {len(ms)} | {levels} | {cell([m['full_path'] for m in ms])} | {cell([m['consistency'] for m in ms])} | "
          f"{cell([m['mistake_severity'] for m in ms], 1, 3)} | {cell(cons) if len(cons) == len(ms) else '—'} | {statistics.mean(secs):.0f} |")
PY
