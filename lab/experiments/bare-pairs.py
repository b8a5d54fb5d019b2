"""The labelled objective without the transformer: how far do 4 816 duplicate pairs take a bag of words?

A table of word-piece vectors (PPMI-SVD of the pool, as the encoder's `ppmi` init), SIF-pooled (the
encoder's pooling, no layers), trained with the symmetric MultipleNegativesRankingLoss over the
shipped labelled pairs (packages/jepa/data/askubuntu-pairs: in-batch negatives, cosine × scale as
the logits, as `--objective pairs`), AdamW with 10% warmup and linear decay, clipping at 1 --
PyTorch on the CPU, thousands of steps a minute. Dev MAP of the pooled table as it trains. It
separates what the labels give a bag of words from what the encoder's recipe makes of them.

    /usr/bin/python3 lab/experiments/bare-pairs.py [--steps 500] [--scale 20] [--lr 1e-3] [--seed 1]
"""
import argparse
import importlib.util
import json
import random
import time
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
PAIRS = HERE.parent.parent / "packages/jepa/data/askubuntu-pairs/train-pairs.tsv"


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, HERE / file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ceiling = load("ceiling", "cooccurrence-ceiling.py")
bow = load("bow", "bow-jepa.py")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--scale", type=float, default=20)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--schedule", choices=["linear", "constant"], default="linear")
    ap.add_argument("--init", choices=["random", "ppmi"], default="ppmi")
    ap.add_argument("--init-norm", type=float, default=1.0, help="ppmi rows' norm (the encoder's table: 0.02 * sqrt(dim))")
    ap.add_argument("--unit-rows", action="store_true", help="pool unit-norm rows (as the encoder's per-token LayerNorm does): no learnt word weights")
    ap.add_argument("--learn-weights", action="store_true", help="a learnt scalar per word piece multiplies its SIF weight (exp of a log-scale that starts at 0)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pairs of the file (0: all)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(1)

    pool = [l.strip() for l in (ceiling.DATA / "train_titles.txt").read_text().splitlines() if l.strip()]
    dev = [json.loads(l) for l in (ceiling.DATA / "dev.jsonl").read_text().splitlines() if l.strip()]
    pairs = [l.split("\t") for l in PAIRS.read_text().splitlines() if l.strip()]
    if args.limit:
        pairs = pairs[: args.limit]
    per_word = [[ceiling.wordpieces(w) for w in t.split()] for t in pool]
    freq = {}
    for t in per_word:
        for w in t:
            for p in w:
                freq[p] = freq.get(p, 0) + 1
    total = sum(freq.values())
    words = sorted(freq)
    vocab = {p: i for i, p in enumerate(words)}
    sif = torch.tensor([1e-3 / (1e-3 + freq[p] / total) for p in words], dtype=torch.float32)
    ids = [[[vocab[p] for p in w] for w in t] for t in per_word]

    table = torch.nn.Embedding(len(vocab), args.dim)
    torch.nn.init.normal_(table.weight, std=0.02)
    if args.init == "ppmi":
        with torch.no_grad():
            table.weight.copy_(torch.from_numpy(bow.ppmi_svd(ids, len(vocab), args.dim)) * args.init_norm)
    log_scale = torch.nn.Parameter(torch.zeros(len(vocab)))
    params = list(table.parameters()) + ([log_scale] if args.learn_weights else [])
    opt = torch.optim.AdamW([{"params": list(table.parameters())}, {"params": [log_scale], "weight_decay": 0.0}] if args.learn_weights else params,
                            lr=args.lr, weight_decay=args.weight_decay)
    warm = max(1, args.steps // 10)
    lr_at = lambda s: (s + 1) / warm if s < warm else (1.0 if args.schedule == "constant" else max(0.0, (args.steps - s) / max(1, args.steps - warm)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)

    def seq(text):
        return [vocab[p] for w in text.split() for p in ceiling.wordpieces(w) if p in vocab] or [0]

    def pool_seqs(seqs):
        flat = torch.tensor([i for s in seqs for i in s], dtype=torch.long)
        lens = torch.tensor([len(s) for s in seqs])
        offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(lens, 0)[:-1]])
        w = sif[flat] * torch.exp(log_scale[flat]) if args.learn_weights else sif[flat]
        weight = F.normalize(table.weight, dim=1) if args.unit_rows else table.weight
        summed = F.embedding_bag(flat, weight, offsets, mode="sum", per_sample_weights=w)
        norm = torch.zeros(len(seqs)).index_add_(0, torch.repeat_interleave(torch.arange(len(seqs)), lens), w)
        return summed / norm.clamp_min(1e-12)[:, None]

    def embed(texts):
        with torch.no_grad():
            return pool_seqs([seq(t) for t in texts]).numpy().astype("float64")

    left = [seq(a) for a, _ in pairs]
    right = [seq(b) for _, b in pairs]
    t0 = time.time()
    print(json.dumps({"step": 0, "pairs": len(pairs), "map": round(ceiling.rerank_map(dev, embed), 2)}), flush=True)
    order, cursor = list(range(len(pairs))), len(pairs)
    for step in range(args.steps):
        if cursor + args.batch > len(order):
            rng.shuffle(order)
            cursor = 0
        picked = order[cursor:cursor + args.batch]
        cursor += args.batch
        a = F.normalize(pool_seqs([left[i] for i in picked]), dim=1)
        b = F.normalize(pool_seqs([right[i] for i in picked]), dim=1)
        logits = args.scale * a @ b.T
        target = torch.arange(len(picked))
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            print(json.dumps({"step": step + 1, "epochs": round((step + 1) * args.batch / len(pairs), 2), "loss": round(loss.item(), 3),
                              "map": round(ceiling.rerank_map(dev, embed), 2), "s": round(time.time() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
