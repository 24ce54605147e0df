#!/usr/bin/env bash
# The pretrained-tower rows of docs/results.md: resnet18-imagenet + minilm on the emoji domain-shift benchmark
# (train google + twitter, test facebook) and on Fashion-MNIST. Frozen image-tower encodings are cached per image
# ($ARBOR_DATA/tower-features), so only the first row pays for the tower. Usage: scripts/results-pretrained.sh OUT [SEEDS]
set -euo pipefail
out="${1:?usage: $0 OUT [SEEDS]}"; seeds="${2:-0 1 2}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
towers=(--image-encoder resnet18-imagenet --text-encoder minilm)
emoji=(-d emoji --image-size 64 --val-fraction 0.05 --threads 1)
# The emoji HGCLIP rows were measured with 10 epochs and the head and schedule that were Arbor's defaults then.
then=(--epochs 10 --schedule cosine --head-normalization cosine)
fmnist=(-d fashion-mnist --image-size 64 --train-limit 2000 --threads 1)
run() { local name="$1"; shift; nice -n 10 "$here/arbor" train "$@" -o "$out/$name" --force >"$out/$name.log" 2>&1 && echo "$name done"; }
for s in $seeds; do
  run emoji-probe-s$s        -m linear-probe --image-encoder resnet18-imagenet "${emoji[@]}" --seed $s
  run emoji-nearest-s$s      -m hgclip --parts none "${towers[@]}" "${emoji[@]}" "${then[@]}" --seed $s
  run emoji-textgraph-s$s    -m hgclip --parts text-graph "${towers[@]}" "${emoji[@]}" "${then[@]}" --seed $s
  run emoji-visualgraph-s$s  -m hgclip --parts visual-graph "${towers[@]}" "${emoji[@]}" "${then[@]}" --seed $s
  run emoji-graphs-s$s       -m hgclip --parts text-graph,visual-graph "${towers[@]}" "${emoji[@]}" "${then[@]}" --seed $s
done
for s in $seeds; do
  run fmnist-probe-s$s   -m linear-probe --image-encoder resnet18-imagenet "${fmnist[@]}" --seed $s
  run fmnist-nearest-s$s -m hgclip --parts none "${towers[@]}" "${fmnist[@]}" --seed $s
  run fmnist-coop-s$s    -m coop "${towers[@]}" "${fmnist[@]}" --seed $s
  run fmnist-hgclip-s$s  -m hgclip "${towers[@]}" "${fmnist[@]}" --seed $s
  # HGCLIP with one part, and with each part left out (visual-prompt needs a transformer image tower)
  for parts in text-prompt text-graph visual-graph text-prompt,text-graph text-prompt,visual-graph text-graph,visual-graph; do
    run "fmnist-parts-${parts//,/+}-s$s" -m hgclip --parts "$parts" "${towers[@]}" "${fmnist[@]}" --seed $s
  done
  # ce fine-tuning the pretrained ResNet-18 (default lr: a tenth of ce's, 0.01) against the same network from scratch
  # (ce's lr 0.1, and the fine-tuning rate 0.01)
  run fmnist-ce-pretrained-s$s     -m ce --backbone resnet18-imagenet --epochs 10 "${fmnist[@]}" --seed $s
  run fmnist-ce-scratch-s$s        -m ce --backbone resnet18-imagenet-scratch --epochs 10 "${fmnist[@]}" --seed $s
  run fmnist-ce-scratch-lr0.01-s$s -m ce --backbone resnet18-imagenet-scratch --lr 0.01 --epochs 10 "${fmnist[@]}" --seed $s
done
