#!/usr/bin/env python3
"""Runs a corpus of malformed input files through every `arbor` command that reads files and checks that each one
fails closed: exit code 1 or 2, one line `error: …` naming the file, no stack trace, an answer within 10 s.

    scripts/probe-readers.py [--cli path/to/Arbor.Cli.dll] [--keep DIR] [--only SUBSTRING]

Builds nothing: pass the CLI's dll (default: src/Arbor.Cli/bin/Release/net10.0/Arbor.Cli.dll, made by
`dotnet build src/Arbor.Cli -c Release`). The corpus is generated here (deterministically) under a temporary folder;
tests/fixtures/clip-tiny supplies the valid CLIP weights the malformed CLIP files sit beside. Exits 0 when every case
passes, 1 otherwise, printing one line per failure and a summary of counts.
"""
import argparse, gzip, json, os, shutil, struct, subprocess, sys, tempfile, time, zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 10


def png(path, w=32, h=32):
    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(w * 3)) for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def idx(shape, data):
    return bytes([0, 0, 8, len(shape)]) + b"".join(struct.pack(">i", d) for d in shape) + bytes(data)


def safetensors(tensors, metadata=None, raw_header=None, extra=b""):
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(payload)]}
        data += payload
        offset += len(payload)
    text = (raw_header if raw_header is not None else json.dumps(header)).encode("utf-8", "surrogatepass")
    return struct.pack("<Q", len(text)) + text + data + extra


class Corpus:
    def __init__(self, root):
        self.root = root
        self.cases = []          # (name, argv, path that the error must name)

    def file(self, name, content):
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        return path

    def add(self, name, argv, names):
        self.cases.append((name, argv, names))


def build(root):
    c = Corpus(root)
    good_tree = {"levels": ["kind", "animal"], "tree": {"mammal": ["cat", "dog"], "bird": ["owl", "crow"]}}
    hierarchy = c.file("good/pets.json", json.dumps(good_tree))

    # --- hierarchy files: `hierarchy check` and `hierarchy show`
    bad_trees = {
        "invalid-utf8.txt": b"cat, animal\ndog, anim\xffal\n",
        "random-binary.txt": bytes((i * 131 + 17) % 256 for i in range(3000)),
        "lone-surrogate.json": '{"tree": {"a": ["\\ud800"]}}',
        "control-char.json": '{"tree": {"a": ["x\\u0001y"]}}',
        "long-row.txt": ",".join(f"f{i}" for i in range(100001)) + "\n",
        "long-row.csv": ",".join(f"l{i}" for i in range(100001)) + "\n" + ",".join(f"f{i}" for i in range(100001)) + "\n",
        "quotes.csv": "level1\na" + '"' * 200000 + "\n",
        "duplicate-key.json": '{"tree": {"a": ["x"]}, "tree": {"b": ["y"]}}',
        "wrong-type.json": '{"levels": 5, "tree": {"a": ["x"]}}',
        "leaf-number.json": '{"tree": {"a": [5]}}',
        "empty.json": "",
        "bom-only.txt": b"\xef\xbb\xbf",
        "deep.json": '{"tree": ' + '{"a": ' * 5000 + '["x"]' + "}" * 5000 + "}",
        "two-parents.txt": "cat, mammal\ncat, bird\n",
        "unbalanced.json": '{"tree": {"a": {"b": ["c"]}, "d": ["e"]}}',
        "long-name.txt": "x" * 5000 + ", animal\n",
        "too-many-levels.txt": ", ".join(f"n{i}" for i in range(40)) + "\n",
        "unclosed-quote.csv": 'kind,animal\nmammal,"cat\n',
        "nul.txt": "cat, ani\x00mal\n",
        "truncated.json": json.dumps(good_tree)[:-7],
    }
    for name, content in bad_trees.items():
        path = c.file(f"hierarchy/{name}", content)
        c.add(f"hierarchy check {name}", ["hierarchy", "check", path], [path])
        c.add(f"hierarchy show {name}", ["hierarchy", "show", path], [path])

    # --- IDX folders: `data info FOLDER`
    images, labels = idx([4, 2, 2], range(16)), idx([4], [0, 1, 2, 3])
    def idx_folder(name, train_images=images, train_labels=labels, gz=False, **_):
        folder = os.path.join(root, "idx", name)
        os.makedirs(folder, exist_ok=True)
        for stem, content in [("train-images-idx3-ubyte", train_images), ("train-labels-idx1-ubyte", train_labels),
                              ("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)]:
            c.file(f"idx/{name}/{stem}" + (".gz" if gz else ""), gzip.compress(content) if gz and isinstance(content, bytes) and not content.startswith(b"\x1f\x8b") else content)
        c.add(f"data info idx/{name}", ["data", "info", folder], [folder])
    full_gz = gzip.compress(images)
    idx_folder("zero-images", idx([0, 2, 2], []))
    idx_folder("zero-rows", idx([4, 0, 2], []))
    idx_folder("truncated", images[:-3])
    idx_folder("trailing-bytes", images + b"\x00\x01")
    idx_folder("bad-magic", b"\x01\x02" + images[2:])
    idx_folder("rank-zero", bytes([0, 0, 8, 0]))
    idx_folder("negative-dim", idx([4, 2, 2], range(16))[:4] + struct.pack(">i", -4) + images[8:])
    idx_folder("huge-dims", bytes([0, 0, 8, 3]) + struct.pack(">iii", 2**31 - 1, 2**31 - 1, 2**31 - 1))
    idx_folder("label-out-of-range", images, idx([4], [0, 1, 2, 200]))
    idx_folder("count-mismatch", images, idx([3], [0, 1, 2]))
    idx_folder("gz-no-trailer", full_gz[:-8], gz=True)
    idx_folder("gz-half-trailer", full_gz[:-4], gz=True)
    corrupted = bytearray(full_gz); corrupted[len(corrupted) // 2] ^= 0x55
    idx_folder("gz-corrupt-deflate", bytes(corrupted), gz=True)
    crc = bytearray(full_gz); crc[-6] ^= 1
    idx_folder("gz-bad-crc", bytes(crc), gz=True)
    idx_folder("gz-two-members", full_gz + full_gz, gz=True)
    idx_folder("gz-trailing-garbage", full_gz + b"garbage!", gz=True)
    idx_folder("gz-bomb-trailer", full_gz[:-4] + struct.pack("<I", 2**31), gz=True)

    # --- CIFAR-100 binary folders
    coarse_of = {0: 4, 1: 1}   # apple → fruit and vegetables (4), aquarium_fish → fish (1)
    record = lambda coarse, fine: bytes([coarse, fine]) + bytes(3072)
    def cifar(name, train):
        folder = os.path.join(root, "cifar", name)
        c.file(f"cifar/{name}/train.bin", train)
        c.file(f"cifar/{name}/test.bin", record(4, 0))
        c.add(f"data info cifar/{name}", ["data", "info", folder], [folder])
    cifar("truncated", record(4, 0) + record(1, 1)[:-10])
    cifar("fine-out-of-range", record(4, 0) + record(1, 150))
    cifar("coarse-mismatch", record(4, 0) + record(7, 1))
    cifar("empty", b"")

    # --- manifests: `data info m.csv --hierarchy pets.json`
    for leaf in ["cat", "dog", "owl", "crow"]:
        for i in range(3):
            png(os.path.join(root, "manifest", "img", leaf, f"{i}.png"), 8, 8)
    good_rows = [f"img/{leaf}/{i}.png,{leaf}" for leaf in ["cat", "dog", "owl", "crow"] for i in range(3)]
    manifests = {
        "dotdot.csv": good_rows + ["../outside.png,cat"],
        "absolute.csv": good_rows + [os.path.join(root, "manifest", "img", "cat", "0.png") + ",cat"],
        "duplicate.csv": good_rows + [good_rows[0]],
        "overlap.csv": [r + ",train" for r in good_rows] + [good_rows[0] + ",test"],
        "unknown-leaf.csv": good_rows + ["img/cat/0.png,tiger"],
        "bad-split.csv": [r + ",train" for r in good_rows[:-1]] + [good_rows[-1] + ",holdout"],
        "unterminated.csv": good_rows + ['"img/cat/0.png,cat'],
        "missing-image.csv": good_rows + ["img/cat/99.png,cat"],
    }
    for name, rows in manifests.items():
        path = c.file(f"manifest/{name}", "\n".join(rows) + "\n")
        c.add(f"data info manifest/{name}", ["data", "info", path, "--hierarchy", hierarchy], [path])
    path = c.file("manifest/invalid-utf8.csv", ("\n".join(good_rows) + "\n").encode() + b"img/cat/\xff.png,cat\n")
    c.add("data info manifest/invalid-utf8.csv", ["data", "info", path, "--hierarchy", hierarchy], [path])
    for name in bad_trees:
        if name.endswith((".json", ".txt", ".csv")) and name not in ("long-row.csv",):
            tree = os.path.join(root, "hierarchy", name)
            path = c.file("manifest/for-bad-tree.csv", "\n".join(good_rows) + "\n")
            c.add(f"data info --hierarchy {name}", ["data", "info", path, "--hierarchy", tree], [tree])

    # --- a CLIP folder beside which malformed files sit
    fixture = os.path.join(REPO, "tests", "fixtures", "clip-tiny")
    config = json.load(open(os.path.join(fixture, "config.json")))
    config_text = open(os.path.join(fixture, "config.json")).read()
    vocab = {}
    for ch in "abcdefghijklmnopqrstuvwxyz":
        vocab[ch] = len(vocab); vocab[ch + "</w>"] = len(vocab)
    while len(vocab) < 298:
        vocab[f"tok{len(vocab)}"] = len(vocab)
    vocab["<|startoftext|>"], vocab["<|endoftext|>"] = 298, 299
    merges = "#version: 0.2\n"
    image = os.path.join(root, "clip", "photo.png")
    os.makedirs(os.path.dirname(image), exist_ok=True)
    png(image)

    def clip_folder(name, config_json=None, vocab_json=None, merges_txt=None, preprocessor=None):
        folder = os.path.join(root, "clip", name)
        os.makedirs(folder, exist_ok=True)
        shutil.copy(os.path.join(fixture, "model.safetensors"), folder)
        c.file(f"clip/{name}/config.json", config_json if config_json is not None else config_text)
        c.file(f"clip/{name}/vocab.json", vocab_json if vocab_json is not None else json.dumps(vocab))
        c.file(f"clip/{name}/merges.txt", merges_txt if merges_txt is not None else merges)
        if preprocessor is not None:
            c.file(f"clip/{name}/preprocessor_config.json", preprocessor)
        return folder

    good_clip = clip_folder("good")
    eos, L = config["text_config"]["eos_token_id"], 16
    ids = lambda rows: b"".join(struct.pack("<" + "q" * len(r), *r) for r in rows)
    good_ids = [[298, 5, 7, eos] + [eos] * (L - 4)] * 2
    def tokens(name, content):
        path = c.file(f"tensors/{name}", content)
        c.add(f"clip embed --tokens {name}", ["clip", "embed", "--clip", good_clip, "--tokens", path, "--out",
                                             os.path.join(root, "out", name)], [path])
    tokens("ids-f32.safetensors", safetensors({"input_ids": ("F32", [2, L], struct.pack("<" + "f" * 2 * L, *([1.0] * 2 * L)))}))
    tokens("ids-shape-4x0.safetensors", safetensors({"input_ids": ("I64", [4, 0], b"")}))
    tokens("ids-shape-0x16.safetensors", safetensors({"input_ids": ("I64", [0, L], b"")}))
    tokens("ids-rank3.safetensors", safetensors({"input_ids": ("I64", [1, 2, L], ids(good_ids))}))
    tokens("ids-no-eos.safetensors", safetensors({"input_ids": ("I64", [2, L], ids([[298] + [5] * (L - 1)] * 2))}))
    tokens("ids-out-of-vocab.safetensors", safetensors({"input_ids": ("I64", [2, L], ids([[298, 9999] + [eos] * (L - 2)] * 2))}))
    tokens("ids-negative.safetensors", safetensors({"input_ids": ("I64", [2, L], ids([[298, -1] + [eos] * (L - 2)] * 2))}))
    tokens("ids-too-long.safetensors", safetensors({"input_ids": ("I64", [1, 40], ids([[298] + [eos] * 39]))}))
    tokens("ids-missing.safetensors", safetensors({"tokens": ("I64", [2, L], ids(good_ids))}))
    tokens("gap.safetensors", safetensors({"input_ids": ("I64", [2, L], ids(good_ids))}, extra=b"\x00" * 8))
    tokens("overlap.safetensors", safetensors({}, raw_header=json.dumps({
        "input_ids": {"dtype": "I64", "shape": [2, L], "data_offsets": [0, 16 * L]},
        "x": {"dtype": "I64", "shape": [1], "data_offsets": [8, 16]}})) + ids(good_ids))
    tokens("metadata-number.safetensors", safetensors({"input_ids": ("I64", [2, L], ids(good_ids))}, metadata={"n": 5}))
    tokens("duplicate-key.safetensors", safetensors({}, raw_header='{"input_ids":{"dtype":"I64","shape":[2,16],"data_offsets":[0,256]},'
                                                  '"input_ids":{"dtype":"I64","shape":[2,16],"data_offsets":[0,256]}}') + ids(good_ids))
    tokens("header-space.safetensors", safetensors({}, raw_header=' {"input_ids":{"dtype":"I64","shape":[2,16],"data_offsets":[0,256]}}') + ids(good_ids))
    tokens("header-huge.safetensors", struct.pack("<Q", 2**62) + b"{}")
    tokens("truncated.safetensors", safetensors({"input_ids": ("I64", [2, L], ids(good_ids))})[:-20])
    tokens("lone-surrogate.safetensors", safetensors({}, raw_header='{"\\ud800":{"dtype":"I64","shape":[2,16],"data_offsets":[0,256]}}') + ids(good_ids))
    tokens("bad-dtype.safetensors", safetensors({"input_ids": ("Q7", [2, L], ids(good_ids))}))
    tokens("shape-mismatch.safetensors", safetensors({}, raw_header='{"input_ids":{"dtype":"I64","shape":[3,16],"data_offsets":[0,256]}}') + ids(good_ids))
    tokens("random.safetensors", bytes((i * 37 + 11) % 256 for i in range(500)))
    H = config["vision_config"]["image_size"]
    n = 3 * H * H
    def pixels(name, content):
        path = c.file(f"tensors/{name}", content)
        c.add(f"clip embed --pixels {name}", ["clip", "embed", "--clip", good_clip, "--pixels", path, "--out",
                                             os.path.join(root, "out", name)], [path])
    pixels("pixels-i32.safetensors", safetensors({"pixel_values": ("I32", [1, 3, H, H], struct.pack("<" + "i" * n, *([1] * n)))}))
    pixels("pixels-u8.safetensors", safetensors({"pixel_values": ("U8", [1, 3, H, H], bytes(n))}))
    pixels("pixels-nan.safetensors", safetensors({"pixel_values": ("F32", [1, 3, H, H], struct.pack("<" + "f" * n, float("nan"), *([0.0] * (n - 1))))}))
    pixels("pixels-inf.safetensors", safetensors({"pixel_values": ("F32", [1, 3, H, H], struct.pack("<" + "f" * n, *([float("inf")] * n)))}))
    pixels("pixels-wrong-size.safetensors", safetensors({"pixel_values": ("F32", [1, 3, H, H + 1], bytes(4 * 3 * H * (H + 1)))}))
    pixels("pixels-empty-batch.safetensors", safetensors({"pixel_values": ("F32", [0, 3, H, H], b"")}))

    # --- CLIP config.json, tokenizer files, preprocessor config
    def clip_case(name, expect_file, **files):
        folder = clip_folder(name, **files)
        c.add(f"clip embed ({name})", ["clip", "embed", "--clip", folder, "--images", image, "--texts", "a cat", "a dog"],
              [os.path.join(folder, expect_file)])
    edit = lambda old, new: config_text.replace(old, new)
    assert '"model_type": "clip"' in config_text and '"hidden_size": 48' in config_text
    clip_case("model-type-number", "config.json", config_json=edit('"model_type": "clip"', '"model_type": 5'))
    clip_case("model-type-missing", "config.json", config_json=edit('"model_type": "clip",', ''))
    clip_case("config-duplicate-key", "config.json", config_json=edit('"projection_dim": 32', '"projection_dim": 32, "projection_dim": 64'))
    clip_case("hidden-size-huge", "config.json", config_json=edit('"hidden_size": 48', '"hidden_size": 2147483644'))
    clip_case("hidden-size-string", "config.json", config_json=edit('"hidden_size": 48', '"hidden_size": "48"'))
    clip_case("hidden-size-float", "config.json", config_json=edit('"hidden_size": 48', '"hidden_size": 48.5'))
    clip_case("layers-200", "config.json", config_json=edit('"num_hidden_layers": 2', '"num_hidden_layers": 200'))
    clip_case("patch-not-dividing", "config.json", config_json=edit('"patch_size": 8', '"patch_size": 7'))
    clip_case("negative-vocab", "config.json", config_json=edit('"vocab_size": 300', '"vocab_size": -300'))
    clip_case("eps-negative", "config.json", config_json=edit('"layer_norm_eps": 1e-05', '"layer_norm_eps": -1', ))
    clip_case("text-config-array", "config.json", config_json=json.dumps({**config, "text_config": [1, 2]}))
    clip_case("config-invalid-utf8", "config.json", config_json=config_text.encode() + b"\xff")
    clip_case("config-lone-surrogate", "config.json", config_json=edit('"quick_gelu"', '"\\ud800"'))
    clip_case("config-truncated", "config.json", config_json=config_text[:100])
    clip_case("config-hidden-act", "config.json", config_json=edit('"quick_gelu"', '"swish9"'))
    clip_case("vocab-array", "vocab.json", vocab_json="[1, 2, 3]")
    clip_case("vocab-negative-id", "vocab.json", vocab_json=json.dumps({**vocab, "a": -5}))
    clip_case("vocab-id-beyond-model", "vocab.json", vocab_json=json.dumps({**vocab, "zz": 5000}))
    clip_case("vocab-duplicate-id", "vocab.json", vocab_json=json.dumps({**vocab, "zz": 3}))
    clip_case("vocab-string-id", "vocab.json", vocab_json=json.dumps({**vocab, "zz": "7"}))
    clip_case("vocab-duplicate-key", "vocab.json", vocab_json=json.dumps(vocab)[:-1] + ', "a": 0}')
    clip_case("vocab-no-eos", "vocab.json", vocab_json=json.dumps({k: v for k, v in vocab.items() if k != "<|endoftext|>"}))
    clip_case("vocab-invalid-utf8", "vocab.json", vocab_json=json.dumps(vocab).encode()[:-1] + b', "\xff": 301}')
    clip_case("merges-three-symbols", "merges.txt", merges_txt="#version: 0.2\na b c\n")
    clip_case("merges-invalid-utf8", "merges.txt", merges_txt=b"#version: 0.2\na \xff\n")
    pre = {"crop_size": 32, "size": 32, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    clip_case("pre-std-zero", "preprocessor_config.json", preprocessor=json.dumps({**pre, "image_std": [0, 0.5, 0.5]}))
    clip_case("pre-size-huge", "preprocessor_config.json", preprocessor=json.dumps({**pre, "size": 100000, "crop_size": 100000}))
    clip_case("pre-mean-two", "preprocessor_config.json", preprocessor=json.dumps({**pre, "image_mean": [0.5, 0.5]}))
    clip_case("pre-size-string", "preprocessor_config.json", preprocessor=json.dumps({**pre, "size": "big"}))
    clip_case("pre-duplicate-key", "preprocessor_config.json", preprocessor=json.dumps(pre)[:-1] + ', "size": 64}')
    clip_case("pre-crop-object", "preprocessor_config.json", preprocessor=json.dumps({**pre, "crop_size": {"h": 3}}))
    return c


def run(cli, corpus, only):
    failures, counts = [], {"cases": 0, "stack traces": 0, "hangs": 0, "accepted": 0, "unnamed file": 0, "other": 0}
    for name, argv, names in corpus.cases:
        if only and only not in name:
            continue
        counts["cases"] += 1
        start = time.monotonic()
        try:
            p = subprocess.run(["dotnet", cli, *argv], capture_output=True, text=True, timeout=TIMEOUT,
                               env={**os.environ, "ARBOR_CRASH_DIR": os.path.join(corpus.root, "crashes")})
        except subprocess.TimeoutExpired:
            counts["hangs"] += 1
            failures.append(f"HANG     {name}: no answer within {TIMEOUT} s")
            continue
        took = time.monotonic() - start
        err = p.stderr.strip()
        lines = err.splitlines()
        if "   at " in err or "Unhandled exception" in err or p.returncode in (70, 134, 139):
            counts["stack traces"] += 1
            failures.append(f"CRASH    {name}: exit {p.returncode}: {err[:300]}")
        elif p.returncode == 0:
            counts["accepted"] += 1
            failures.append(f"ACCEPTED {name}: exit 0: {p.stdout.strip()[:200]}")
        elif p.returncode not in (1, 2) or len(lines) != 1 or not lines[0].startswith("error: "):
            counts["other"] += 1
            failures.append(f"OTHER    {name}: exit {p.returncode}, {len(lines)} lines: {err[:300]}")
        elif not any(n in err or os.path.basename(n) in err for n in names):
            counts["unnamed file"] += 1
            failures.append(f"UNNAMED  {name}: {err[:300]}")
        else:
            print(f"ok  {took:5.1f}s  {name}: {err[:160]}")
    return failures, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=os.path.join(REPO, "src", "Arbor.Cli", "bin", "Release", "net10.0", "Arbor.Cli.dll"))
    ap.add_argument("--keep", help="write the corpus here and keep it")
    ap.add_argument("--only", help="run only cases whose name contains this")
    args = ap.parse_args()
    if not os.path.exists(args.cli):
        sys.exit(f"no CLI at {args.cli}: run `dotnet build src/Arbor.Cli -c Release` or pass --cli")
    root = args.keep or tempfile.mkdtemp(prefix="arbor-probe-")
    os.makedirs(root, exist_ok=True)
    try:
        corpus = build(root)
        failures, counts = run(args.cli, corpus, args.only)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    for f in failures:
        print(f)
    print("summary: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
