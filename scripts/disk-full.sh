#!/usr/bin/env bash
# A real full disk and a real read-only file system under `arbor train`, `eval` and `predict` (needs root: it mounts a
# small tmpfs). Trains into a tmpfs too small for the run, checks the one-line error and that the last good checkpoint
# survives, grows the tmpfs, resumes, and compares metrics.json byte for byte with an uninterrupted run; then remounts
# the tmpfs read-only and checks `train --resume`, `eval` (one-line errors naming the path) and `predict` (works).
# Usage: sudo scripts/disk-full.sh [size-that-overflows, default 3m] [arbor-command]
set -u
SIZE=${1:-3m}
ARBOR=${2:-"$(dirname "$0")/../src/Arbor.Cli/bin/Debug/net10.0/Arbor.Cli"}
[ "$(id -u)" -eq 0 ] || { echo "needs root (mounts a tmpfs)"; exit 2; }
WORK=$(mktemp -d /tmp/arbor-full-XXXXXX)
MNT="$WORK/mnt"
mkdir -p "$MNT"
mount -t tmpfs -o size="$SIZE" tmpfs "$MNT" || { echo "cannot mount a tmpfs here"; exit 2; }
trap 'umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT
ARGS=(train -m ce -d fashion-mnist-embedded --epochs 3 --batch 64 --train-limit 256 --threads 2 --seed 3)
fail=0
check_one_line() {   # $1: label, $2: file with the command's stderr
  local last; last=$(grep -v '^\s*$' "$2" | tail -n 1)
  if grep -q '^   at ' "$2"; then echo "$1 STACK TRACE"; fail=1; else echo "$1 $last"; fi
}

"$ARBOR" "${ARGS[@]}" --out "$WORK/straight" > /dev/null 2>&1 || { echo "straight run failed"; exit 1; }

"$ARBOR" "${ARGS[@]}" --out "$MNT/run" > "$WORK/full.out" 2> "$WORK/full.err"
echo "train on a $SIZE tmpfs: exit $?"
check_one_line " " "$WORK/full.err"
echo "  left: $(ls -A "$MNT/run" | tr '\n' ' ')(temp files: $(ls -A "$MNT/run" | grep -c '\.tmp$'))"
good=$(ls "$MNT/run"/checkpoint.safetensors 2>/dev/null | wc -l)
[ "$good" -eq 1 ] && sha=$(sha256sum < "$MNT/run/checkpoint.safetensors")

mount -o remount,size=256m "$MNT"
"$ARBOR" "${ARGS[@]}" --out "$MNT/run" --resume > /dev/null 2> "$WORK/resume.err"
echo "resume after freeing space: exit $?"
if cmp -s "$WORK/straight/metrics.json" "$MNT/run/metrics.json"; then echo "  metrics.json byte-identical to the uninterrupted run"
else echo "  metrics.json DIFFERS"; fail=1; fi

# Read-only: a finished run (eval, predict) and an unfinished one (train --resume).
cp -r "$WORK/straight" "$MNT/finished"
rm "$MNT/run/metrics.json" "$MNT/run/model.safetensors"
mount -o remount,ro "$MNT"
"$ARBOR" "${ARGS[@]}" --out "$MNT/run" --resume > /dev/null 2> "$WORK/ro-train.err"
echo "train --resume on a read-only file system: exit $?"
check_one_line " " "$WORK/ro-train.err"
"$ARBOR" eval --run "$MNT/finished" > /dev/null 2> "$WORK/ro-eval.err"
echo "eval on a read-only run: exit $?"
check_one_line " " "$WORK/ro-eval.err"
python3 - "$WORK/img.png" <<'EOF'
import sys, zlib, struct
raw = b''.join(b'\x00' + bytes([120]) * 28 for _ in range(28))
chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 28, 28, 8, 0, 0, 0, 0))
                              + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
EOF
"$ARBOR" predict --run "$MNT/finished" "$WORK/img.png" > "$WORK/ro-predict.out" 2>&1
echo "predict on a read-only run: exit $? ($(head -c 100 "$WORK/ro-predict.out"))"
exit $fail
