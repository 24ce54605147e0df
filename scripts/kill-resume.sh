#!/usr/bin/env bash
# kill -9 a training run at random moments, resume it each time, and compare the final metrics.json byte for byte with
# an uninterrupted run; also check that a second `train` into a folder in use is refused.
# Usage: scripts/kill-resume.sh [rounds] [arbor-command]
#   rounds (default 9) cycle through three kinds of kill:
#     early  — 0.3–3 s after the start (start-up, data check, epoch 1 before any checkpoint),
#     random — anywhere in the uninterrupted run's duration (any epoch, the linear probe, the final writes),
#     write  — the moment the temp file of an atomic write of one file (config, hierarchy, checkpoint, best, model, metrics,
#              model card; picked at random) appears in the run folder: inside that write.
# The run is the small cross-entropy run below; it needs the build (dotnet build src/Arbor.Cli).
set -u
ROUNDS=${1:-9}
ARBOR=${2:-"$(dirname "$0")/../src/Arbor.Cli/bin/Debug/net10.0/Arbor.Cli"}
WORK=$(mktemp -d /tmp/arbor-kill-XXXXXX)
ARGS=(train -m ce -d fashion-mnist-embedded --epochs 4 --batch 64 --train-limit 512 --threads 2 --seed 7)
RUN="$WORK/killed"

start=$(date +%s.%N)
"$ARBOR" "${ARGS[@]}" --out "$WORK/straight" > "$WORK/straight.out" 2>&1 || { echo "straight run failed"; cat "$WORK/straight.out"; exit 1; }
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "uninterrupted: ${took}s, metrics.json $(sha256sum < "$WORK/straight/metrics.json" | cut -c1-16)"

# A second train into a folder another process trains in is refused (exit 2, naming the holder's pid).
"$ARBOR" "${ARGS[@]}" --out "$RUN" > "$WORK/holder.out" 2>&1 &
holder=$!
for _ in $(seq 1 600); do [ -s "$RUN/.lock.pid" ] && break; sleep 0.05; done
"$ARBOR" "${ARGS[@]}" --out "$RUN" --resume > "$WORK/second.out" 2>&1
second=$?
if [ $second -eq 2 ] && grep -q "in use: process $holder" "$WORK/second.out"; then
  echo "concurrent train: refused (exit 2): $(head -c 160 "$WORK/second.out")"
else
  echo "concurrent train NOT refused as expected (exit $second):"; cat "$WORK/second.out"; kill -9 $holder; exit 1
fi
kill -9 $holder 2>/dev/null; wait $holder 2>/dev/null
kills=1; kinds="early(lock holder)"

for ((i = 1; i <= ROUNDS; i++)); do
  kind=$(case $((i % 3)) in 1) echo early;; 2) echo random;; 0) echo write;; esac)
  "$ARBOR" "${ARGS[@]}" --out "$RUN" --resume > "$WORK/round$i.out" 2>&1 &
  pid=$!
  case $kind in
    early) sleep "$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.2f", 0.3 + rand() * 2.7 }')";;
    random) sleep "$(awk -v s=$RANDOM -v t="$took" 'BEGIN { srand(s); printf "%.2f", 0.5 + rand() * (t - 0.5) }')";;
    write)   # inside the atomic write of one file, chosen at random (the checkpoints most often)
      target=$(shuf -n 1 -e config.json hierarchy.json checkpoint.safetensors checkpoint.safetensors best.safetensors model.safetensors metrics.json README.md)
      kind="write:$target"
      while kill -0 $pid 2>/dev/null && ! compgen -G "$RUN/.$target.*.tmp" > /dev/null; do sleep 0.005; done;;
  esac
  # The temp files present just before the kill (a small write can finish between the poll and the kill).
  at=$(ls -A "$RUN" 2>/dev/null | grep -c '\.tmp$')
  if kill -9 $pid 2>/dev/null; then
    wait $pid 2>/dev/null
    kills=$((kills + 1)); kinds="$kinds $kind"
    echo "round $i ($kind): killed; temp files at the kill: $at; checkpoint: $(ls "$RUN"/checkpoint.safetensors 2>/dev/null | wc -l); last log: $(tail -n 1 "$RUN/train.log" 2>/dev/null | cut -c1-70)"
  else
    wait $pid; code=$?
    echo "round $i ($kind): finished before the kill (exit $code)"
    # A finished run cannot be interrupted any more: start the next cycle from a fresh folder.
    cmp -s "$WORK/straight/metrics.json" "$RUN/metrics.json" || { echo "a finished round's metrics.json DIFFERS (kept in $WORK)"; exit 1; }
    rm -rf "$RUN"
  fi
done
"$ARBOR" "${ARGS[@]}" --out "$RUN" --resume > "$WORK/final.out" 2>&1
code=$?
echo "final resume: exit $code; kills: $kills ($kinds)"
stray=$(ls -A "$RUN" | grep -c '\.tmp$')
[ "$stray" -eq 0 ] || { echo "stray temp files left: $(ls -A "$RUN" | grep '\.tmp$')"; exit 1; }
if cmp -s "$WORK/straight/metrics.json" "$RUN/metrics.json"; then
  echo "metrics.json byte-identical to the uninterrupted run; no temp files left"
  rm -rf "$WORK"
else
  echo "metrics.json DIFFERS (kept in $WORK)"; diff "$WORK/straight/metrics.json" "$RUN/metrics.json"; exit 1
fi
