"""What can co-occurrence statistics of the training pool alone buy on the dev rerank set?

No neural network: bag-of-words baselines and classical distributional word vectors (PPMI + SVD, as
Levy & Goldberg 2014) learned from the same 34k training titles the encoder sees, pooled like our
encoder (SIF weights a / (a + p(w)), a = 1e-3). If the best of these barely beats the identity
bag of words, the pool does not carry the word-similarity signal that BM25-hard negatives require,
and no objective trained on it alone will either.

    /usr/bin/python3 lab/experiments/cooccurrence-ceiling.py [--dims 64,128,300] [--mix 0,0.5,1]

MAP as sklearn's average_precision_score (ties grouped), x100, over every dev query.
"""
import argparse
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "packages/jepa/data/askubuntu-rerank"
TOKEN = re.compile(r"[a-z0-9]+(?:[.+#][a-z0-9]+)*")
BASIC = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
VOCAB = {w: i for i, w in enumerate((ROOT / "packages/nn/assets/vocab.txt").read_text().split("\n"))}


def plain_words(text):
    return TOKEN.findall(text.lower())


def wordpieces(text):
    """BERT's uncased WordPiece, greedy longest match (accents are rare in these titles; not stripped)."""
    out = []
    for w in BASIC.findall(text.lower()):
        start, pieces = 0, []
        while start < len(w):
            end = len(w)
            while end > start and (("##" if start else "") + w[start:end]) not in VOCAB:
                end -= 1
            if end == start:
                pieces = ["[UNK]"]
                break
            pieces.append(("##" if start else "") + w[start:end])
            start = end
        out.extend(pieces)
    return out


words = plain_words


def average_precision(scores, labels):
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    # group ties: precision/recall only at the last index of each distinct score
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / max(y.sum(), 1)
    return float(np.sum(np.diff(np.r_[0, recall]) * precision))


def rerank_map(queries, embed):
    aps = []
    for q in queries:
        cands = q["positive"] + q["negative"]
        labels = np.array([1] * len(q["positive"]) + [0] * len(q["negative"]), dtype=np.float64)
        e = embed([q["query"]] + cands)
        e = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
        aps.append(average_precision(e[1:] @ e[0], labels))
    return 100 * float(np.mean(aps))


def randomized_svd(m, k, iters=4, seed=0):
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(m @ rng.standard_normal((m.shape[1], k + 20)).astype(m.dtype))[0]
    for _ in range(iters):
        q = np.linalg.qr(m @ (m.T @ q))[0]
    u, s, _ = np.linalg.svd(q.T @ m, full_matrices=False)
    return (q @ u)[:, :k], s[:k]


def cooccurrence(docs, V):
    """Title-level co-occurrence: docs are lists of ids < V; every pair of distinct ids in one doc
    counts once."""
    c = np.zeros((V, V), dtype=np.float32)
    for d in docs:
        ix = np.array(sorted(set(d)))
        if len(ix) > 1:
            c[np.ix_(ix, ix)] += 1
    np.fill_diagonal(c, 0)
    return c


def ppmi_from_counts(c, alpha=0.75, shift=1.0):
    """max(PMI - log shift, 0) with the context distribution ** alpha (Levy et al. 2015)."""
    row = c.sum(1, keepdims=True)
    ctx = c.sum(0, keepdims=True) ** alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(c * ctx.sum() / (row * ctx)) - np.log(shift)
    return np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0).astype(np.float32)


def ppmi_matrix(docs, V):
    """PPMI over title-level co-occurrence; context distribution ** 0.75."""
    return ppmi_from_counts(cooccurrence(docs, V))


def svd_vectors(ppmi, d, p=0.5):
    """Unit rows of U * S^p (Levy et al. 2015: eigenvalue weighting p)."""
    u, s = randomized_svd(ppmi, d)
    vec = u * s ** p
    return vec / np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dims", default="64,128,300")
    ap.add_argument("--vocab", type=int, default=12000)
    ap.add_argument("--mix", default="0.5,1,2")
    ap.add_argument("--tokens", choices=["words", "wordpiece"], default="words")
    args = ap.parse_args()
    global words
    words = wordpieces if args.tokens == "wordpiece" else plain_words

    pool = [l.strip() for l in (DATA / "train_titles.txt").read_text().splitlines() if l.strip()]
    dev = [json.loads(l) for l in (DATA / "dev.jsonl").read_text().splitlines() if l.strip()]
    toks = [words(t) for t in pool]
    freq = Counter(w for t in toks for w in t)
    total = sum(freq.values())
    vocab = [w for w, _ in freq.most_common(args.vocab)]
    index = {w: i for i, w in enumerate(vocab)}
    V = len(vocab)
    sif = np.array([1e-3 / (1e-3 + freq[w] / total) for w in vocab])
    df = Counter(w for t in toks for w in set(t))
    idf = np.array([np.log((1 + len(pool)) / (1 + df[w])) + 1 for w in vocab])
    print(f"pool {len(pool)} titles, {total} words, {len(freq)} types; vocab kept {V}; dev {len(dev)} queries")

    def bow(texts, weight):
        m = np.zeros((len(texts), V))
        for r, t in enumerate(texts):
            for w in words(t):
                i = index.get(w)
                if i is not None:
                    m[r, i] += weight[i]
        return m

    rows = []
    rows.append(("TF-IDF (word counts x idf)", rerank_map(dev, lambda ts: bow(ts, idf))))
    rows.append(("SIF-weighted one-hot bag of words", rerank_map(dev, lambda ts: bow(ts, sif))))
    # what an untrained encoder with random word vectors approximates: a random projection of the above
    for seed in (1, 2, 3):
        r = np.random.default_rng(seed).standard_normal((V, 128))
        rows.append((f"  random 128-d word vectors, SIF-pooled, seed {seed}", rerank_map(dev, lambda ts: bow(ts, sif) @ r)))

    ppmi = ppmi_matrix([[index[w] for w in t if w in index] for t in toks], V)
    bow_sif = lambda ts: bow(ts, sif)
    for d in [int(x) for x in args.dims.split(",")]:
        vec = svd_vectors(ppmi, d)
        rows.append((f"PPMI-SVD word vectors, d {d}, SIF-pooled", rerank_map(dev, lambda ts: bow_sif(ts) @ vec)))
        for mix in [float(x) for x in args.mix.split(",")]:
            def both(ts, mix=mix):
                a = bow_sif(ts)
                b = a @ vec
                a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
                b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
                return np.hstack([a, np.sqrt(mix) * b])
            rows.append((f"  one-hot SIF (+) {mix} x PPMI-SVD d {d}", rerank_map(dev, both)))
    width = max(len(r[0]) for r in rows)
    for name, m in rows:
        print(f"{name:<{width}}  {m:6.2f}")


if __name__ == "__main__":
    main()
