#!/usr/bin/env bash
# kill -9 a training run at random moments, resume it each time, and compare the final metrics.json byte for byte with
# an uninterrupted run. Usage: scripts/kill-resume.sh [rounds] [arbor-command]
#   rounds: how many kill/resume cycles per trial (default 6); kills land between 0.5 s and 8 s after each (re)start,
#   so in start-up, in epoch 1, in later epochs and (by chance) inside checkpoint writes.
# The run is the small cross-entropy run below; it needs the build (dotnet build src/Arbor.Cli).
set -u
ROUNDS=${1:-6}
ARBOR=${2:-"$(dirname "$0")/../src/Arbor.Cli/bin/Debug/net10.0/Arbor.Cli"}
WORK=$(mktemp -d /tmp/arbor-kill-XXXXXX)
ARGS=(train -m ce -d fashion-mnist-embedded --epochs 4 --batch 64 --train-limit 512 --threads 2 --seed 7)

"$ARBOR" "${ARGS[@]}" --out "$WORK/straight" > "$WORK/straight.out" 2>&1 || { echo "straight run failed"; cat "$WORK/straight.out"; exit 1; }
echo "uninterrupted: $(sha256sum < "$WORK/straight/metrics.json" | cut -c1-16)"

for ((i = 1; i <= ROUNDS; i++)); do
  delay=$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.1f", 0.5 + rand() * 7.5 }')
  flag=$([ $i -eq 1 ] && echo "" || echo "--resume")
  "$ARBOR" "${ARGS[@]}" --out "$WORK/killed" $flag > "$WORK/round$i.out" 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 $pid 2>/dev/null; then
    wait $pid 2>/dev/null
    echo "round $i: killed after ${delay}s; folder: $(ls -A "$WORK/killed" 2>/dev/null | tr '\n' ' ')"
  else
    wait $pid; echo "round $i: finished before the kill (exit $?)"; break
  fi
done
"$ARBOR" "${ARGS[@]}" --out "$WORK/killed" --resume > "$WORK/final.out" 2>&1
code=$?
echo "final resume: exit $code; $(grep -c '' "$WORK/final.out") lines of output"
if cmp -s "$WORK/straight/metrics.json" "$WORK/killed/metrics.json"; then
  echo "metrics.json byte-identical to the uninterrupted run"
  rm -rf "$WORK"
else
  echo "metrics.json DIFFERS (kept in $WORK)"; diff "$WORK/straight/metrics.json" "$WORK/killed/metrics.json"; exit 1
fi
