"""JEPA's objective without the transformer: is crop invariance a good co-occurrence learner here?

A table of word-piece vectors, SIF-pooled (the encoder's pooling, no layers), the main job's
expander (128 -> 512 -> 512 -> 512, BatchNorm + ReLU) and official VICReg (lambda 10, mu 25, nu 1)
between the full title and a WordCrop of it (start ~ U, length ~ U of the rest, as
packages/jepa/src/views/wordcrop.ts), AdamW lr 5e-4 with 10% warmup and linear decay, batch 32 --
trained in PyTorch on the CPU, thousands of steps a minute. Dev MAP of the pooled table as it
trains, against the same table untrained and PPMI-SVD (lab/experiments/cooccurrence-ceiling.py).

    /usr/bin/python3 lab/experiments/bow-jepa.py [--steps 6000] [--eval-every 500] [--seed 1] [--lambda 10]
"""
import argparse
import importlib.util
import json
import math
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("ceiling", HERE / "cooccurrence-ceiling.py")
ceiling = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ceiling)


def vicreg(a, b, lam, mu, nu):
    inv = F.mse_loss(a, b)
    def std_cov(x):
        x = x - x.mean(0)
        std = torch.sqrt(x.var(0) + 1e-4)
        cov = (x.T @ x) / (x.shape[0] - 1)
        off = cov - torch.diag(torch.diag(cov))
        return F.relu(1 - std).mean(), off.pow(2).sum() / x.shape[1]
    sa, ca = std_cov(a)
    sb, cb = std_cov(b)
    return lam * inv + mu * (sa + sb) / 2 + nu * (ca + cb), inv.item(), ((sa + sb) / 2).item()


def ppmi_svd(ids, V, dim):
    """Unit rows of PPMI-SVD word-piece vectors, as cooccurrence-ceiling.py builds them."""
    docs = [[p for w in t for p in w] for t in ids]
    return ceiling.svd_vectors(ceiling.ppmi_matrix(docs, V), dim).astype(np.float32)


def mine_neighbours(ids, V, k):
    """Each title's k nearest other titles by TF-IDF cosine over word pieces (exact-text twins skipped)."""
    docs = [[p for w in t for p in w] for t in ids]
    df = Counter(p for d in docs for p in set(d))
    idf = np.array([math.log((1 + len(docs)) / (1 + df[i])) + 1 for i in range(V)], dtype=np.float32)
    rows, cols, vals = [], [], []
    for r, d in enumerate(docs):
        for p, c in Counter(d).items():
            rows.append(r); cols.append(p); vals.append(c * idf[p])
    x = torch.sparse_coo_tensor(torch.tensor([rows, cols]), torch.tensor(vals), (len(docs), V)).coalesce()
    norm = torch.sqrt(torch.sparse.sum(x * x, 1).to_dense()).clamp_min(1e-12)
    out, t0 = [], time.time()
    for start in range(0, len(docs), 2000):
        chunk = x.index_select(0, torch.arange(start, min(start + 2000, len(docs)))).to_dense()
        sims = torch.sparse.mm(x, chunk.T).T / norm[None, :] / norm[start:start + len(chunk), None]
        rows_here = torch.arange(len(chunk))
        sims[rows_here, start + rows_here] = -1  # not itself
        for j, top in enumerate(torch.topk(sims, k + 5, dim=1).indices.tolist()):
            out.append([t for t in top if docs[t] != docs[start + j]][:k])
    print(json.dumps({"mined": k, "titles": len(out), "s": round(time.time() - t0, 1)}), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--lambda", dest="lam", type=float, default=10)
    ap.add_argument("--mu", type=float, default=25)
    ap.add_argument("--nu", type=float, default=1)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--init-std", type=float, default=0.02)
    # full: the title and a WordCrop of it (the product's views); split: a WordCrop and the rest of
    # the title (disjoint views: agreeing needs co-occurrence, not shared words)
    ap.add_argument("--views", choices=["full", "split", "partition"], default="full")
    ap.add_argument("--schedule", choices=["linear", "constant"], default="linear")
    # random: N(0, init-std); ppmi: PPMI-SVD of the pool's title-level co-occurrence (the count
    # statistics' ceiling), each row scaled to a random row's expected norm
    ap.add_argument("--center", action="store_true", help="evaluate embeddings minus the pool's mean embedding")
    ap.add_argument("--expander", choices=["mlp", "linear", "none"], default="mlp")
    ap.add_argument("--width", type=int, default=4, help="expander width, a multiple of --dim")
    ap.add_argument("--init", choices=["random", "ppmi"], default="random")
    # a signal other than co-occurrence: each title's K lexically nearest pool titles (TF-IDF cosine
    # over word pieces; same topic, mostly not duplicates) as InfoNCE negatives for its two views
    ap.add_argument("--hard-negatives", type=int, default=0, help="K mined neighbours per title (0: off)")
    ap.add_argument("--neg-weight", type=float, default=1.0)
    ap.add_argument("--neg-temp", type=float, default=0.1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(2)

    pool = [l.strip() for l in (ceiling.DATA / "train_titles.txt").read_text().splitlines() if l.strip()]
    dev = [json.loads(l) for l in (ceiling.DATA / "dev.jsonl").read_text().splitlines() if l.strip()]
    per_word = [[ceiling.wordpieces(w) for w in t.split()] for t in pool]
    freq = Counter(p for t in per_word for w in t for p in w)
    total = sum(freq.values())
    vocab = {p: i for i, p in enumerate(sorted(freq))}
    sif = torch.tensor([1e-3 / (1e-3 + freq[p] / total) for p in sorted(freq)], dtype=torch.float32)
    ids = [[[vocab[p] for p in w] for w in t] for t in per_word]

    table = torch.nn.Embedding(len(vocab), args.dim)
    torch.nn.init.normal_(table.weight, std=args.init_std)
    if args.init == "ppmi":
        with torch.no_grad():
            table.weight.copy_(torch.from_numpy(ppmi_svd(ids, len(vocab), args.dim)) * args.init_std * math.sqrt(args.dim))
    h = args.width * args.dim
    if args.expander == "mlp":
        expander = torch.nn.Sequential(
            torch.nn.Linear(args.dim, h), torch.nn.BatchNorm1d(h), torch.nn.ReLU(),
            torch.nn.Linear(h, h), torch.nn.BatchNorm1d(h), torch.nn.ReLU(), torch.nn.Linear(h, h))
    elif args.expander == "linear":
        expander = torch.nn.Linear(args.dim, h)
    else:
        expander = torch.nn.Identity()
    params = list(table.parameters()) + list(expander.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, args.steps // 10)
    lr_at = lambda s: (s + 1) / warm if s < warm else (1.0 if args.schedule == "constant" else max(0.0, (args.steps - s) / max(1, args.steps - warm)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)

    def pool_ids(seqs):
        flat = torch.tensor([i for s in seqs for i in s], dtype=torch.long)
        offsets = torch.tensor(np.cumsum([0] + [len(s) for s in seqs[:-1]]), dtype=torch.long)
        w = sif[flat]
        summed = F.embedding_bag(flat, table.weight, offsets, mode="sum", per_sample_weights=w)
        norm = torch.zeros(len(seqs)).index_add_(0, torch.repeat_interleave(torch.arange(len(seqs)), torch.tensor([len(s) for s in seqs])), w)
        return summed / norm.clamp_min(1e-12)[:, None]

    def crop(words):
        n = len(words)
        if n < 2:
            return words
        start = rng.randint(0, n - 1)
        length = rng.randint(1, n - start)
        return words[start:start + length]

    def split(words):
        n = len(words)
        if n < 2:
            return words, words
        start = rng.randint(0, n - 1)
        length = rng.randint(1, n - start)
        if length == n:  # the whole title: cut it in two instead
            start, length = 0, rng.randint(1, n - 1)
        rest = words[:start] + words[start + length:]
        return words[start:start + length], rest

    def partition(words):
        """Each word to one of two views at random (both non-empty): disjoint, not contiguous."""
        if len(words) < 2:
            return words, words
        while True:
            side = [rng.random() < 0.5 for _ in words]
            if any(side) and not all(side):
                return [w for w, s in zip(words, side) if s], [w for w, s in zip(words, side) if not s]

    def embed(texts):
        with torch.no_grad():
            seqs = [[vocab[p] for w in t.split() for p in ceiling.wordpieces(w) if p in vocab] or [0] for t in texts]
            return pool_ids(seqs).numpy().astype(np.float64)

    sample = pool[:5000]

    def evaluate():
        if not args.center:
            return ceiling.rerank_map(dev, embed)
        mean = embed(sample).mean(0)  # the pool's common component, removed before the cosine
        return ceiling.rerank_map(dev, lambda ts: embed(ts) - mean)

    neighbours = mine_neighbours(ids, len(vocab), args.hard_negatives) if args.hard_negatives else None

    t0 = time.time()
    print(json.dumps({"step": 0, "map": round(evaluate(), 2), "s": round(time.time() - t0, 1)}), flush=True)
    order = list(range(len(ids)))
    cursor = len(order)
    for step in range(args.steps):
        if cursor + args.batch > len(order):
            rng.shuffle(order)
            cursor = 0
        picked = order[cursor:cursor + args.batch]
        batch = [ids[i] for i in picked]
        cursor += args.batch
        if args.views == "full":
            full = [[p for w in t for p in w] for t in batch]
            view = [[p for w in crop(t) for p in w] for t in batch]
        else:
            full, view = [], []
            for t in batch:
                a, b = split(t) if args.views == "split" else partition(t)
                full.append([p for w in a for p in w])
                view.append([p for w in b for p in w])
        ea, eb = pool_ids(full), pool_ids(view)
        za, zb = expander(ea), expander(eb)
        loss, inv, hinge = vicreg(za, zb, args.lam, args.mu, args.nu)
        if neighbours is not None:
            # view a against view b (positive) and every batch title's mined neighbour (negatives)
            negs = pool_ids([[p for w in ids[neighbours[i][rng.randrange(len(neighbours[i]))]] for p in w] for i in picked])
            a, b, n = (F.normalize(x, dim=1) for x in (ea, eb, negs))
            logits = torch.cat([(a * b).sum(1, keepdim=True), a @ n.T], 1) / args.neg_temp
            loss = loss + args.neg_weight * F.cross_entropy(logits, torch.zeros(len(picked), dtype=torch.long))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            print(json.dumps({"step": step + 1, "epochs": round((step + 1) * args.batch / len(ids), 2), "loss": round(loss.item(), 3),
                              "inv": round(inv, 4), "hinge": round(hinge, 3), "map": round(evaluate(), 2), "s": round(time.time() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
