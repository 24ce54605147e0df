#!/usr/bin/env bash
# The pretrained-tower rows of docs/results.md: resnet18-imagenet + minilm on the emoji domain-shift benchmark
# (train google + twitter, test facebook) and on Fashion-MNIST. Frozen image-tower encodings are cached per image
# ($ARBOR_DATA/tower-features), so only the first row pays for the tower. Usage: scripts/results-pretrained.sh OUT [SEEDS]
set -euo pipefail
out="${1:?usage: $0 OUT [SEEDS]}"; seeds="${2:-0 1 2}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
towers=(--image-encoder resnet18-imagenet --text-encoder minilm)
emoji=(-d emoji --image-size 64 --val-fraction 0.05 --threads 2)
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
done
run fmnist-ce-pretrained -m ce --backbone resnet18-imagenet --epochs 2 --lr 0.01 "${fmnist[@]}"
run fmnist-ce-scratch    -m ce --backbone resnet18 --epochs 2 --lr 0.01 "${fmnist[@]}"
