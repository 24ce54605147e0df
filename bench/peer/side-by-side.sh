#!/usr/bin/env bash
# Arbor and its PyTorch peer on the same shapes, one after the other in one go, with the load average beside every figure.
# Run it on a quiet machine (nothing else running; the load average printed before each step should stay near 0):
#
#   bench/peer/side-by-side.sh [--threads 2] [--quick]        (needs: apt-get install python3-torch)
#
# It measures the GEMM ceiling (fp32 and bf16), the ViT-B/16 image tower at batch 8, the text tower per FLOP, the
# HGCLIP training step (ViT-B/16 shapes, CIFAR-100's 120 nodes, batch 8) with its peak RSS, and the ResNet-20 SupCon step
# (batch 256 × 2 views, 28 px), then prints a summary with Arbor/peer ratios. The full log goes to bench/peer/side-by-side.log.
# --quick takes fewer iterations (a smoke test of the script, not figures to quote).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=2 iterations=4 steps=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --quick) iterations=1 steps=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# The first Python that imports torch: $PYTHON, Debian's /usr/bin/python3 (python3-torch), then python3 on the PATH.
py=
for candidate in ${PYTHON:-} /usr/bin/python3 python3; do
  if "$candidate" -c 'import torch' 2>/dev/null; then py=$candidate; break; fi
done
[[ -n "$py" ]] || { echo "PyTorch is missing: apt-get install python3-torch (or set PYTHON)" >&2; exit 1; }
# A fair peer needs a tuned BLAS. Debian's PyTorch calls whatever libblas.so.3 the alternatives system points at: the
# reference BLAS (≈ 3 GFLOP/s) unless libopenblas0 is installed. OpenBLAS 0.3.21 (Debian 12) does not know CPUs newer
# than Sapphire Rapids and falls back to its generic "Prescott" kernels (≈ 30 GFLOP/s); such a CPU gets the newest core
# type its features allow. Both would make the peer look several times slower than it is.
blas_core=$(OPENBLAS_VERBOSE=2 "$py" -c 'import torch; torch.ones(64, 64) @ torch.ones(64, 64)' 2>&1 | grep -oE 'Core: [A-Za-z0-9]+' | head -1 || true)
if [[ -z "$blas_core" ]]; then
  echo "warning: the peer's PyTorch does not use OpenBLAS (reference BLAS?): apt-get install libopenblas0-pthread, or the peer is not a fair comparison" >&2
elif [[ "$blas_core" == "Core: Prescott" && -z "${OPENBLAS_CORETYPE:-}" ]]; then
  if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
  [[ -n "${OPENBLAS_CORETYPE:-}" ]] && echo "note: OpenBLAS does not know this CPU ($blas_core); the peer runs with OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" >&2
fi
peer_gemm() {   # the peer's GEMM rate at the image fc1 shape, GFLOP/s, for PRECISION $1
  "$py" - "$threads" "$1" <<'PY'
import sys, time, torch
torch.set_num_threads(int(sys.argv[1])); dtype = torch.bfloat16 if sys.argv[2] == "bf16" else torch.float32
x, w = torch.randn(1576, 768).to(dtype), torch.randn(3072, 768).to(dtype)
torch.nn.functional.linear(x, w); best = 1e9; start = time.perf_counter()
while time.perf_counter() - start < 1.0:
    t = time.perf_counter(); torch.nn.functional.linear(x, w); best = min(best, time.perf_counter() - t)
print(f"{2 * 1576 * 768 * 3072 / best / 1e9:.1f}")
PY
}
log=bench/peer/side-by-side.log
: > "$log"
run() {   # run CMD...: prints the load, runs, keeps the output in the log and in $out
  echo "== $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$log" >&2
  out=$("$@" 2>&1) || { echo "$out" >&2; exit 1; }
  echo "$out" >> "$log"
}
num() { grep -oE "$1" <<<"$2" | head -1 | grep -oE '[0-9]+(\.[0-9]+)?' | head -1; }

./arbor --help > /dev/null   # builds the CLI in Release once, before anything is timed
echo "== peer BLAS: ${blas_core:-not OpenBLAS}${OPENBLAS_CORETYPE:+ → OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE}" | tee -a "$log" >&2
peer_gemm32=$(peer_gemm fp32); peer_gemm16=$(peer_gemm bf16)
run ./arbor bench matmul --threads "$threads"
matmul=$out
run ./arbor bench clip --threads "$threads" --iterations "$iterations" --precision fp32
clip32=$out
run ./arbor bench clip --threads "$threads" --iterations "$iterations" --precision bf16
clip16=$out
run "$py" bench/peer/peer.py image --threads "$threads" --iterations "$iterations" --precision fp32
peer_image32=$(num '[0-9.]+ images/s' "$out")
run "$py" bench/peer/peer.py image --threads "$threads" --iterations "$iterations" --precision bf16
peer_image16=$(num '[0-9.]+ images/s' "$out")

run ./arbor bench hgclip --shapes vit-b16 --threads "$threads" --steps "$steps" --precision fp32
hg32=$out
tokens=$(num 'prompts of [0-9]+ tokens' "$hg32")
run ./arbor bench hgclip --shapes vit-b16 --threads "$threads" --steps "$steps" --precision bf16
hg16=$out
run "$py" bench/peer/peer.py hgclip --threads "$threads" --steps "$steps" --text-tokens "$tokens" --precision fp32
peer_hg32=$(num '[0-9.]+ ms per step' "$out")
peer_hg32_rss=$(num 'peak RSS [0-9]+' "$out")

run ./arbor bench train --method supcon --backbone resnet20 --batch 256 --size 28 --channels 1 --threads "$threads" --steps $((steps * 3))
arbor_supcon=$(num '→ [0-9.]+ images/s' "$out")
run "$py" bench/peer/peer.py supcon --threads "$threads" --steps $((steps * 3))
peer_supcon=$(num '[0-9.]+ images/s' "$out")

a_img32=$(grep -oE "batch [0-9]+: [0-9.]+ images/s" <<<"$clip32" | grep -oE "[0-9.]+ images" | grep -oE "[0-9.]+")
a_img16=$(grep -oE 'batch [0-9]+: [0-9.]+ images/s' <<<"$clip16" | grep -oE '[0-9.]+ images' | grep -oE '[0-9.]+')
a_hg32=$(grep -oE 'training runs it\): [0-9.]+ ms' <<<"$hg32" | grep -oE '[0-9.]+')
a_hg16=$(grep -oE 'training runs it\): [0-9.]+ ms' <<<"$hg16" | grep -oE '[0-9.]+')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

{
  echo
  echo "summary ($threads threads; load at the end $(cut -d' ' -f1-3 /proc/loadavg); full output in $log)"
  echo "GEMM ceiling (arbor bench matmul):"
  grep -E '^(image|text|square)' <<<"$matmul" | sed 's/^/  /'
  echo "  peer (PyTorch $("$py" -c 'import torch; print(torch.__version__)'), ${blas_core:-no OpenBLAS}${OPENBLAS_CORETYPE:+ as $OPENBLAS_CORETYPE}) at image fc1 1576×768→3072: fp32 $peer_gemm32, bf16 $peer_gemm16 GFLOP/s"
  echo "| path | PyTorch peer | Arbor | Arbor/peer | target |"
  echo "|---|---|---|---|---|"
  echo "| ViT-B/16 image tower, batch 8, fp32 | $peer_image32 img/s | $a_img32 img/s | $(ratio "$a_img32" "$peer_image32") | |"
  echo "| ViT-B/16 image tower, batch 8, bf16 | $peer_image16 img/s (autocast) | $a_img16 img/s | $(ratio "$a_img16" "$peer_image16") | Arbor ≥ 10 img/s |"
  echo "| HGCLIP step, batch 8, 120 nodes, fp32 | $peer_hg32 ms | $a_hg32 ms | $(ratio "$peer_hg32" "$a_hg32") | |"
  echo "| HGCLIP step, Arbor bf16 vs peer fp32 | $peer_hg32 ms | $a_hg16 ms | $(ratio "$peer_hg32" "$a_hg16") | ≥ 3 |"
  echo "| ResNet-20 SupCon step, batch 256 × 2 views | $peer_supcon img/s | $arbor_supcon img/s | $(ratio "$arbor_supcon" "$peer_supcon") | ≥ 2.5 |"
  echo "text tower per FLOP vs image tower (target ≤ 1.2):"
  echo "  fp32: $(grep -oE 'time per FLOP, text/image: [^;]*' <<<"$clip32" | head -1)"
  echo "  bf16: $(grep -oE 'time per FLOP, text/image: [^;]*' <<<"$clip16" | head -1)"
  echo "GFLOP/s against the GEMM rate:"
  grep -E '^(image|text) tower: +[0-9.]+ GFLOP' <<<"$clip32" | sed 's/^/  fp32 /'
  grep -E '^(image|text) tower: +[0-9.]+ GFLOP' <<<"$clip16" | sed 's/^/  bf16 /'
  echo "HGCLIP step peak RSS: Arbor fp32 $(num 'peak RSS [0-9]+' "$hg32") MiB, bf16 $(num 'peak RSS [0-9]+' "$hg16") MiB; peer fp32 $peer_hg32_rss MiB"
  grep -E '^(tower FLOPs|time per FLOP)' <<<"$hg32" | sed 's/^/  fp32 /'
  grep -E '^(tower FLOPs|time per FLOP)' <<<"$hg16" | sed 's/^/  bf16 /'
} | tee -a "$log"
