#!/usr/bin/env python3
"""Writes ImageNet-1k's class table and the two-level hierarchies HGCLIP's graph gives it:
src/Arbor/Data/Benchmarks/Tables/imagenet-classes.tsv (index, wnid, class name) and src/Arbor/Hierarchy/BuiltIn/
imagenet.txt (1,000 classes) and imagenet-314.txt (HGCLIP's 314: its hgclip/data/imagenet-314/imagenet-314.txt), label
paths "class, parent". The source files themselves stay out of the repository.

HGCLIP (richard-peng-xia/HGCLIP, generate_prototypes.py and zsclip/zero_shot.py) builds its ImageNet graph from ImageNet's
`wordnet.is_a.txt` (75,850 "parent child" WordNet hypernym edges) and `words.txt` (WordNet id -> synonyms): every edge whose
child is a class becomes a parent -> class edge, and a parent is named by the first synonym. Neither file is in the HGCLIP
repository; the same two files ship as MadryLab/BREEDS-Benchmarks imagenet_class_hierarchy/wordnet/class_hierarchy.txt
(75,850 lines) and node_names.txt, and the class order is that repository's dataset_class_info.json (ImageNet's index
order, 0 = n01440764 tench). Usage:

    python3 scripts/make-imagenet-tables.py BREEDS-Benchmarks/imagenet_class_hierarchy HGCLIP/hgclip/data/imagenet-314/imagenet-314.txt

Arbor's hierarchies are trees, so a class with several WordNet parents (38 of the 1,000) keeps the first one listed in
class_hierarchy.txt; HGCLIP's graph keeps all of them. Names must be unique per level (case-blind): a first synonym shared by
two classes (crane, maillot, Cardigan/cardigan) or two parents (cap, car, dish, ...) gets its own first parent's first synonym in brackets, and
the WordNet id when that still clashes (two 'table' synsets under 'furniture').
"""
import collections
import json
import os
import sys

root = sys.argv[1]
info = json.load(open(os.path.join(root, "modified", "dataset_class_info.json")))
parents = collections.defaultdict(list)
for line in open(os.path.join(root, "wordnet", "class_hierarchy.txt")):
    parent, child = line.split()
    parents[child].append(parent)
synonyms = {}
for line in open(os.path.join(root, "wordnet", "node_names.txt")):
    wnid, text = line.rstrip("\n").split("\t", 1)
    synonyms[wnid] = text


def first(text):
    return text.split(",")[0].strip()


def key(name):
    # Arbor matches class names case-blind, with '_' and '-' as spaces (BenchmarkFiles.Key): Cardigan (the corgi) and
    # cardigan (the sweater) clash.
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())


def unique_names(wnids, name_of):
    names = {w: name_of(w) for w in wnids}
    for attempt in (lambda w: f"{name_of(w)} ({first(synonyms[parents[w][0]])})", lambda w: f"{name_of(w)} ({w})"):
        counts = collections.Counter(key(n) for n in names.values())
        for w in wnids:
            if counts[key(names[w])] > 1:
                names[w] = attempt(w)
    assert len(set(key(n) for n in names.values())) == len(wnids)
    return names


classes = [wnid for _, wnid, _ in info]
leaf_name = unique_names(classes, lambda w: first(next(n for _, x, n in info if x == w)))
parent_of = {w: parents[w][0] for w in classes}
parent_ids = sorted(set(parent_of.values()))
parent_name = unique_names(parent_ids, lambda w: first(synonyms[w]))

repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "Arbor")
source = ("MadryLab/BREEDS-Benchmarks imagenet_class_hierarchy/{modified/dataset_class_info.json, wordnet/class_hierarchy.txt,\n"
          "# wordnet/node_names.txt} (ImageNet's wordnet.is_a.txt and words.txt), by scripts/make-imagenet-tables.py")
with open(os.path.join(repo, "Data", "Benchmarks", "Tables", "imagenet-classes.tsv"), "w") as f:
    f.write("# ImageNet-1k in class-index order (0 = n01440764): index, wnid, the class's name in Arbor's imagenet hierarchy.\n")
    f.write(f"# From {source}.\n")
    for index, wnid in enumerate(classes):
        f.write(f"{index}\t{wnid}\t{leaf_name[wnid]}\n")
hgclip = [line.split()[0] for line in open(sys.argv[2]) if line.strip() and not line.startswith("#")]
assert len(hgclip) == 314 and set(hgclip) <= set(classes)
for name, members, what in (("imagenet", classes, "ImageNet-1k's 1,000 classes"),
                            ("imagenet-314", [w for w in classes if w in set(hgclip)], "HGCLIP's 314 ImageNet classes (its hgclip/data/imagenet-314/imagenet-314.txt)")):
    with open(os.path.join(repo, "Hierarchy", "BuiltIn", f"{name}.txt"), "w") as f:
        f.write(f"# {what} under the WordNet parent HGCLIP's graph gives each (the first listed in wordnet.is_a.txt when there\n")
        f.write(f"# are several; names made unique per level). From {source}.\n")
        f.write("# levels: hypernym, class\n")
        for wnid in members:
            f.write(f"{leaf_name[wnid]}, {parent_name[parent_of[wnid]]}\n")
