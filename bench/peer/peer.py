#!/usr/bin/env python3
"""PyTorch peer of `arbor bench`: the same shapes in PyTorch eager, to compare Arbor against on the same machine.

Written for Debian's python3-torch (1.13, OpenBLAS, no scaled_dot_product_attention), so attention is the explicit
softmax(QK^T/sqrt(d))V that Hugging Face's CLIP runs on that version. Weights are random: only time and memory are
measured. Every line carries the load average, since the figures are only comparable on a quiet machine.

  python3 bench/peer/peer.py image  [--batch 8] [--precision fp32|bf16]      ViT-B/16 image tower, inference
  python3 bench/peer/peer.py hgclip [--batch 8] [--nodes 120] [--text-tokens 12] [--depth 9] [--precision ...]
                                                                            HGCLIP-like training step (frozen towers)
  python3 bench/peer/peer.py supcon [--batch 256]                           ResNet-20 SupCon step, 2 views of 1x28x28

bf16 uses torch.autocast("cpu", torch.bfloat16) (the usual PyTorch mixed precision: weights fp32, matmuls in bf16).
"""
import argparse
import contextlib
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def autocast(precision):
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    """Pre-LN CLIP block (Hugging Face CLIPEncoderLayer): x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, width, heads, inter):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.q, self.k, self.v, self.o = (nn.Linear(width, width) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(width, inter), nn.Linear(inter, width)

    def attention(self, x, causal):
        b, l, w = x.shape
        d = w // self.heads
        q = self.q(x).view(b, l, self.heads, d).transpose(1, 2)
        k = self.k(x).view(b, l, self.heads, d).transpose(1, 2)
        v = self.v(x).view(b, l, self.heads, d).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d)
        if causal:
            s = s + torch.full((l, l), float("-inf"), dtype=s.dtype).triu(1)
        a = torch.matmul(s.softmax(-1), v)
        return self.o(a.transpose(1, 2).reshape(b, l, w))

    def forward(self, x, causal=False):
        x = x + self.attention(self.ln1(x), causal)
        return x + self.fc2(quick_gelu(self.fc1(self.ln2(x))))


class Tower(nn.Module):
    def __init__(self, width, layers, heads, inter):
        super().__init__()
        self.blocks = nn.ModuleList(Block(width, heads, inter) for _ in range(layers))
        self.final = nn.LayerNorm(width)

    def forward(self, x, causal=False, deep=None, deep_slice=None):
        for j, block in enumerate(self.blocks):
            if deep is not None and 0 < j <= len(deep):
                x = deep_slice(x, deep[j - 1])
            x = block(x, causal)
        return self.final(x)


class VisionTower(nn.Module):
    """ViT-B/16 image tower: patch conv, CLS, positions, pre-LN, 12 blocks 768 wide, post-LN on CLS, projection 512."""

    def __init__(self, width=768, layers=12, heads=12, inter=3072, size=224, patch=16, proj=512):
        super().__init__()
        self.patch = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.cls = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.pos = nn.Parameter(torch.randn((size // patch) ** 2 + 1, width) * 0.01)
        self.pre = nn.LayerNorm(width)
        self.tower = Tower(width, layers, heads, inter)
        self.proj = nn.Linear(width, proj, bias=False)

    def forward(self, pixels, shallow=None, deep=None):
        x = self.patch(pixels).flatten(2).transpose(1, 2)
        b = x.shape[0]
        x = torch.cat([self.cls.view(1, 1, -1).expand(b, 1, -1).to(x.dtype), x], 1) + self.pos
        n = 0
        if shallow is not None:
            n = shallow.shape[0]
            x = torch.cat([x, shallow.unsqueeze(0).expand(b, -1, -1)], 1)
        x = self.pre(x)
        slice_ = lambda h, p: torch.cat([h[:, : h.shape[1] - n], p.unsqueeze(0).expand(h.shape[0], -1, -1).to(h.dtype)], 1)
        x = self.tower(x, deep=deep, deep_slice=slice_)
        return self.proj(x[:, 0]), self.proj(x[:, 1:])


class TextTower(nn.Module):
    """CLIP ViT-B/16 text tower: 512 wide, 12 blocks, 8 heads, causal, pooled at EOS (here: the last position)."""

    def __init__(self, width=512, layers=12, heads=8, inter=2048, vocab=49408, ctx=77, proj=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.randn(ctx, width) * 0.01)
        self.tower = Tower(width, layers, heads, inter)
        self.proj = nn.Linear(width, proj, bias=False)

    def forward(self, ids, shallow=None, deep=None):
        x = self.tok(ids)
        if shallow is not None:
            n = shallow.shape[0]
            x = torch.cat([x[:, :1], shallow.unsqueeze(0).expand(x.shape[0], -1, -1).to(x.dtype), x[:, 1 + n:]], 1)
        x = x + self.pos[: ids.shape[1]]
        slice_ = lambda h, p: torch.cat([h[:, :1], p.unsqueeze(0).expand(h.shape[0], -1, -1).to(h.dtype), h[:, 1 + p.shape[0]:]], 1)
        x = self.tower(x, causal=True, deep=deep, deep_slice=slice_)
        return self.proj(x[:, -1])


def frozen(module):
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()


def bench_image(args):
    torch.manual_seed(0)
    model = frozen(VisionTower())
    size = int(round((model.pos.shape[0] - 1) ** 0.5)) * model.patch.stride[0]
    pixels = torch.randn(args.batch, 3, size, size)
    times = []
    with torch.inference_mode(), autocast(args.precision):
        model(pixels)
        for _ in range(args.iterations):
            t = time.perf_counter()
            model(pixels)
            times.append(time.perf_counter() - t)
    times.sort()
    median = times[len(times) // 2]
    print(f"peer image tower: batch {args.batch}, {args.precision}: {args.batch / median:.2f} images/s "
          f"({1000 * median:.0f} ms per batch, median of {len(times)}); peak RSS {peak_rss_mib():.0f} MiB; load {load()}")


def bench_hgclip(args):
    """Frozen towers with trainable deep prompts in both (IVLP depth), a linear stand-in for the graph head, CE loss."""
    torch.manual_seed(0)
    vision, text = frozen(VisionTower()), frozen(TextTower())
    ctx, tw, vw, proj = 4, text.tok.embedding_dim, vision.cls.shape[0], text.proj.out_features
    prompts = nn.ParameterList([
        nn.Parameter(torch.randn(ctx, tw) * 0.02), nn.Parameter(torch.randn(ctx, vw) * 0.02),
        *[nn.Parameter(torch.randn(ctx, tw) * 0.02) for _ in range(args.depth - 1)],
        *[nn.Parameter(torch.randn(ctx, vw) * 0.02) for _ in range(args.depth - 1)],
    ])
    head = nn.Linear(proj, proj)
    opt = torch.optim.AdamW(list(prompts.parameters()) + list(head.parameters()), lr=1e-3)
    ids = torch.randint(0, text.tok.num_embeddings - 1, (args.nodes, args.text_tokens))
    size = int(round((vision.pos.shape[0] - 1) ** 0.5)) * vision.patch.stride[0]
    pixels = torch.randn(args.batch, 3, size, size)
    labels = torch.randint(0, args.nodes, (args.batch,))
    d = args.depth - 1
    times = []
    for step in range(args.steps + 1):
        t = time.perf_counter()
        opt.zero_grad()
        with autocast(args.precision):
            t_feat = text(ids, prompts[0], list(prompts[2:2 + d]))
            i_feat, _ = vision(pixels, prompts[1], list(prompts[2 + d:]))
        t_hat = F.normalize(head(t_feat.float()), dim=-1)      # the loss side stays fp32
        logits = 100 * F.normalize(i_feat.float(), dim=-1) @ t_hat.t()
        F.cross_entropy(logits, labels).backward()
        opt.step()
        if step > 0:
            times.append(time.perf_counter() - t)
    mean = sum(times) / len(times)
    print(f"peer hgclip step: batch {args.batch}, {args.nodes} nodes × {args.text_tokens} tokens, depth {args.depth}, "
          f"{args.precision}: {1000 * mean:.0f} ms per step ({args.batch / mean:.2f} images/s, mean of {len(times)}); "
          f"peak RSS {peak_rss_mib():.0f} MiB; load {load()}")


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet20(nn.Module):
    """CIFAR ResNet-20 (16-channel stem, 3 stages × 3 blocks, 16/32/64), with Arbor's projection head 64 → 64 → 128."""

    def __init__(self, channels=1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks, cin = [], 16
        for s, w in enumerate((16, 32, 64)):
            for b in range(3):
                blocks.append(BasicBlock(cin, w, 2 if s > 0 and b == 0 else 1))
                cin = w
        self.blocks = nn.Sequential(*blocks)
        self.proj = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 128))

    def forward(self, x):
        f = self.blocks(self.stem(x)).mean((2, 3))
        return F.normalize(self.proj(f), dim=-1)


def supcon(z, labels, temperature=0.1):
    sim = z @ z.t() / temperature
    n = z.shape[0]
    eye = torch.eye(n, dtype=torch.bool)
    sim = sim.masked_fill(eye, float("-inf"))
    log_prob = sim - sim.logsumexp(1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    return -(log_prob.masked_fill(~pos, 0).sum(1) / pos.sum(1).clamp(min=1)).mean()


def bench_supcon(args):
    torch.manual_seed(0)
    model = ResNet20().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    v1, v2 = torch.randn(args.batch, 1, 28, 28), torch.randn(args.batch, 1, 28, 28)
    labels = torch.randint(0, 10, (args.batch,)).repeat(2)
    times = []
    for step in range(args.steps + 2):
        t = time.perf_counter()
        opt.zero_grad()
        supcon(model(torch.cat([v1, v2])), labels).backward()
        opt.step()
        if step >= 2:
            times.append(time.perf_counter() - t)
    times.sort()
    median = times[len(times) // 2]
    print(f"peer supcon step: ResNet-20, batch {args.batch} × 2 views of 1×28×28: {args.batch / median:.0f} images/s "
          f"({1000 * median:.0f} ms per step, median of {len(times)}); peak RSS {peak_rss_mib():.0f} MiB; load {load()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["image", "hgclip", "supcon"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=120)
    parser.add_argument("--text-tokens", type=int, default=12)
    parser.add_argument("--depth", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; load {load()}")
    if args.what == "image":
        args.batch = args.batch or 8
        bench_image(args)
    elif args.what == "hgclip":
        args.batch = args.batch or 8
        bench_hgclip(args)
    else:
        args.batch = args.batch or 256
        args.steps = max(args.steps, 5)
        bench_supcon(args)


if __name__ == "__main__":
    main()
