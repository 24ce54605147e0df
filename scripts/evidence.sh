#!/usr/bin/env bash
# The evidence table of docs/results.md (issue #19): every hierarchical contrastive method, the cross-entropy
# references and the ablations on Fashion-MNIST, several seeds each; then mean ± std per cell and paired differences
# against HMLC on the same seeds (scripts/evidence-table.py).
#
#   scripts/evidence.sh [--dataset fashion-mnist|emoji] [--budget quick|curve|full] [--seeds "0 1 2"]
#                       [--only 'PATTERN'] [--first 'PATTERN']... [--epochs "5 10 20"] [--jobs 2] [--verify] [--list]
#                       [--out DIR] [--ledger DIR]
#
# Budgets on fashion-mnist (training images / contrastive epochs / linear-probe epochs; ledger docs/evidence):
#   quick  2,000 / 2 / 10        checks that every row runs; its numbers rank nothing
#   curve  10,000 / --epochs / 40 learning curves that choose the budget (one cell per epoch count, budget "curve-eE")
#   full   20,000 / 30 / 40       the comparison (75-90 minutes of one core per contrastive run here, ce about a third)
# On emoji (train google + twitter, test facebook: a style shift; ResNet-20 at 32 px, its native size, RGB; ledger
# docs/evidence-emoji), every budget uses all 3,431 training images (the other 381 of google + twitter validate):
#   quick  all / 2 / 10   curve  all / --epochs (default "25 50 100") / 40   full  all / 100 / 40
#
# Every finished cell (row × seed × budget) is written to the ledger, one small JSON file per cell that is committed
# with the repository: the table grows across sessions and machines, and cells already in the ledger are skipped.
# --verify reruns the selected cells instead and compares each with its ledger entry: training is deterministic per
# seed (at one torch thread, which every cell uses, so --jobs runs cells side by side on separate cores). A cell whose
# run folder in --out holds a checkpoint (the script was stopped mid-cell) is resumed from it, not started over, also
# under --verify (give it another --out than the runs it checks).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=quick; seeds="0 1 2"; out=; ledger=; only="*"; firsts=(); epochs_list=; jobs=1; verify=0; list=0; dataset=fashion-mnist
while [ $# -gt 0 ]; do
  case "$1" in
    --dataset) dataset=$2; shift 2;;
    --budget) budget=$2; shift 2;;
    --seeds) seeds=$2; shift 2;;
    --out) out=$2; shift 2;;
    --ledger) ledger=$2; shift 2;;
    --only) only=$2; shift 2;;
    --first) firsts+=("$2"); shift 2;;
    --epochs) epochs_list=$2; shift 2;;
    --jobs) jobs=$2; shift 2;;
    --verify) verify=1; shift;;
    --list) list=1; shift;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0;;   # the comment block above
    *) echo "evidence.sh: unknown option $1 (see --help)" >&2; exit 2;;
  esac
done
# data: the dataset options of every cell; limit: --train-limit per budget (0: every training image).
case "$dataset" in
  fashion-mnist) data="-d fashion-mnist"; suffix=; curve_epochs="5 10 20"; full_epochs=30
                 quick_limit=2000; curve_limit=10000; full_limit=20000;;
  emoji) data="-d emoji --image-size 32 --channels 3"; suffix=-emoji; curve_epochs="25 50 100"; full_epochs=100
         quick_limit=0; curve_limit=0; full_limit=0;;
  *) echo "evidence.sh: --dataset is fashion-mnist or emoji" >&2; exit 2;;
esac
out=${out:-runs/evidence$suffix}; ledger=${ledger:-docs/evidence$suffix}; epochs_list=${epochs_list:-$curve_epochs}
case "$budget" in
  quick) limit=$quick_limit; budgets="quick:2"; probe=10;;
  curve) limit=$curve_limit; budgets=""; for e in $epochs_list; do budgets+="curve-e$e:$e "; done; probe=40;;
  full) limit=$full_limit; budgets="full:$full_epochs"; probe=40;;
  *) echo "evidence.sh: --budget is quick, curve or full" >&2; exit 2;;
esac

# row name | method | extra options. The controls separate the masking effect from the inverse-frequency weighting
# (on by default only for g-hmlc / a-hmlc), A-HMLC's second gradient path through its mask heads, G-HMLC's refit
# interval, and soft against hard masks at equal capacity (static learned masks: H × D numbers, as G-HMLC's).
# The -batchmean rows are HiConE / HiMulConE in the reference code's form (the constraint on batch means), beside the
# paper's per-pair form that the plain rows use (Arbor's default; it collapses the projection, see docs/results.md).
# The paired comparison's rows come first, so a table filled over several sessions has them before the rest.
rows=(
  "hmlc|hmlc|"
  "g-hmlc|g-hmlc|"
  "a-hmlc|a-hmlc|"
  "supcon|supcon|"
  "ce|ce|"
  "ce-levels|ce-levels|"
  "hicone|hicone|"
  "himulcone|himulcone|"
  "hicone-batchmean|hicone|--hicone batch-mean"
  "himulcone-batchmean|himulcone|--hicone batch-mean"
  "hmlc+invfreq|hmlc|--inverse-frequency on"
  "g-hmlc-invfreq|g-hmlc|--inverse-frequency off"
  "a-hmlc-invfreq|a-hmlc|--inverse-frequency off"
  "a-hmlc+detach|a-hmlc|--detach-mask-input true"
  "a-hmlc-static|a-hmlc|--mask-heads static"
  "g-hmlc-refit5|g-hmlc|--refit-every 5"
  "hmlc-normalised|hmlc|--loss-scale normalised"
)

# The commit each cell records (-dirty: src differs from it); "unknown" outside a git checkout.
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
  git diff --quiet HEAD -- src || commit+=-dirty
else
  commit=unknown
fi
cells=()
# Seed-major order: every row's seed 0 before any row's seed 1, so a table filled over several sessions gains whole
# paired seeds (the same seed for HMLC and the methods compared with it) rather than three seeds of one row. Each
# --first PATTERN is a tier: its rows' cells (seed-major too) go before those of later tiers and of the rest, all in the
# one queue that keeps --jobs busy. A row belongs to the first tier it matches.
tier_of() {
  local t
  for t in "${!firsts[@]}"; do
    # shellcheck disable=SC2053
    [[ "$1" == ${firsts[$t]} ]] && { echo "$t"; return; }
  done
  echo "${#firsts[@]}"
}
for tier in $(seq 0 "${#firsts[@]}"); do
 for seed in $seeds; do
  for row in "${rows[@]}"; do
    IFS='|' read -r name method extra <<<"$row"
    # shellcheck disable=SC2053
    [[ "$name" == $only ]] || continue
    [ "$(tier_of "$name")" = "$tier" ] || continue
    for b in $budgets; do
      entry="$ledger/${b%%:*}/$name/seed$seed.json"
      [ "$verify" = 0 ] && [ -f "$entry" ] && continue
      [ "$verify" = 1 ] && [ ! -f "$entry" ] && { echo "evidence.sh: --verify: no ledger entry $entry" >&2; exit 2; }
      cells+=("$name|$method|$extra|${b%%:*}|${b##*:}|$seed")
    done
  done
 done
done
what=run; [ "$verify" = 1 ] && what=verify
if [ "$list" = 1 ]; then   # the queue, in order, without running it
  for c in "${cells[@]}"; do IFS='|' read -r name _ _ bname _ seed <<<"$c"; echo "$bname $name seed $seed"; done
  exit 0
fi
# ARBOR_EVIDENCE_CLI replaces the Release-built CLI (the script's own tests run a stand-in that writes metrics.json).
cli=${ARBOR_EVIDENCE_CLI:-src/Arbor.Cli/bin/Release/net10.0/Arbor.Cli}
[ -n "${ARBOR_EVIDENCE_CLI:-}" ] || dotnet build src/Arbor.Cli -c Release -nologo -v q >/dev/null
# The table is on the full Fashion-MNIST. Without it the CLI falls back to its embedded 7,200-image training pool, which
# a cell must never silently use (a quick cell would train on other images; larger limits are refused by the CLI).
if [ "$dataset" = fashion-mnist ] && [ ${#cells[@]} -gt 0 ]; then
  source=$("$cli" data info fashion-mnist | sed -n 's/^source: //p')
  case "$source" in
    *embedded*) echo "evidence.sh: the full Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); the CLI" \
                     "would use its embedded subset: $source" >&2; exit 2;;
  esac
fi
echo "evidence.sh: ${#cells[@]} cell(s) to $what, $jobs at a time (commit $commit)" >&2

cell() {
  IFS='|' read -r name method extra bname epochs seed <<<"$1"
  local dir="$out/$bname/$name/seed$seed" entry="$ledger/$bname/$name/seed$seed.json"
  mkdir -p "$(dirname "$dir")"
  # shellcheck disable=SC2206
  local cmd=("$cli" train -m "$method" $data)
  [ "$limit" -gt 0 ] && cmd+=(--train-limit "$limit")
  # shellcheck disable=SC2206
  cmd+=(--epochs "$epochs" --probe-epochs "$probe" --seed "$seed" --threads 1 --decoding independent $extra)
  # A cell interrupted after its first checkpoint (a session that ended, a killed job) is continued with --resume, which
  # finishes byte-identical to an uninterrupted run. Its time is this invocation's plus the epochs already done (the
  # seconds column of metrics.csv, which a resume keeps up to its checkpoint): what an uninterrupted run would take.
  local how=--force spent=0
  # Only an unfinished run is resumed (a finished one, metrics.json written, is retrained: under --verify that is the point).
  if [ -f "$dir/checkpoint.safetensors" ] && [ ! -f "$dir/metrics.json" ]; then
    how=--resume
    spent=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i; next } c { s += $c }
                     END { printf "%d", s }' "$dir/metrics.csv" 2>/dev/null || echo 0)
  fi
  [ "$how" = --force ] && : >"$dir.log"
  local start; start=$(date +%s)
  OMP_WAIT_POLICY=PASSIVE "${cmd[@]}" --out "$dir" "$how" >>"$dir.log" 2>&1 || { echo "FAILED: $bname $name seed $seed (log $dir.log)"; return 1; }
  local seconds=$(( spent + $(date +%s) - start ))
  if [ "$verify" = 1 ]; then
    python3 scripts/evidence-table.py verify "$entry" "$dir"
  else
    python3 scripts/evidence-table.py record "$entry" "$dir" --row "$name" --method "$method" --options="$extra" \
      --seed "$seed" --budget "$bname" --train-limit "$limit" --epochs "$epochs" --probe-epochs "$probe" \
      --seconds "$seconds" --commit "$commit" --command "./arbor ${cmd[*]:1} --out $dir"
    echo "$bname $name seed $seed: $seconds s"
  fi
}
export -f cell; export out ledger limit probe verify commit data cli
status=0
if [ ${#cells[@]} -gt 0 ]; then
  printf '%s\n' "${cells[@]}" | xargs -d '\n' -P "$jobs" -I{} bash -c 'cell "$1"' _ {} || status=1
fi
[ "$verify" = 1 ] && exit $status
python3 scripts/evidence-table.py table "$ledger"
exit $status
