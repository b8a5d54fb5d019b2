"""PPMI-SVD's own knobs (Levy, Goldberg & Dagan 2015) on the dev rerank set, word pieces, d 128, SIF
pooling as the encoder pools: context smoothing alpha, shift k (SPPMI), eigenvalue weighting p. Asks
whether the count-statistics ceiling that `--embedding-init ppmi` starts from (alpha 0.75, k 1, p 0.5:
39.21) is itself far from what counts can give.
    /usr/bin/python3 lab/experiments/ppmi-knobs.py [--alphas 0.75,1] [--shifts 1,3,10] [--powers 0,0.5,1]
"""
import argparse
import html
import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("ceiling", HERE / "cooccurrence-ceiling.py")
ceiling = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ceiling)


def body_windows(path, dev, words, index, width):
    """Windows of word-piece ids over question bodies whose titles are not dev texts (code blocks and
    tags stripped)."""
    seen = {t.strip().lower() for q in dev for t in [q["query"]] + q["positive"] + q["negative"]}
    out, kept = [], 0
    for line in Path(path).read_text().splitlines():
        for text in line.split("\t")[1:3]:
            title, _, body = text.partition("<p>")
            if title.strip().lower() in seen:
                continue
            kept += 1
            body = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<pre>.*?</pre>", " ", body, flags=re.S)))
            ids = [index[w] for w in words(body) if w in index]
            out += [ids[i:i + width] for i in range(0, max(len(ids) - width // 2, 1), width // 2)]
    print(f"{kept} bodies, {len(out)} windows of {width}, {sum(map(len, out))} pieces added")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--alphas", default="0.75,1")
    ap.add_argument("--shifts", default="1,3,10")
    ap.add_argument("--powers", default="0,0.5,1")
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--bigrams", type=int, default=0,
                    help="also count the N most frequent adjacent word-piece pairs as tokens of their own: "
                         "does local order carry signal that counts over single pieces miss?")
    ap.add_argument("--pool-pairs", type=int, default=1, help="with --bigrams: 0 pools the single pieces only (pairs count as contexts)")
    ap.add_argument("--bodies", help="Rodrigues et al.'s val.tsv (title<p>body HTML): its bodies, less those of titles in the"
                    " dev set, add co-occurrence windows of --window pieces (half-overlapping)")
    ap.add_argument("--window", type=int, default=8)
    args = ap.parse_args()

    def words(text):
        t = ceiling.wordpieces(text)
        return t + [f"{a} {b}" for a, b in zip(t, t[1:])] if args.bigrams else t
    pool = [l.strip() for l in (ceiling.DATA / "train_titles.txt").read_text().splitlines() if l.strip()]
    dev = [json.loads(l) for l in (ceiling.DATA / "dev.jsonl").read_text().splitlines() if l.strip()]
    toks = [words(t) for t in pool]
    freq = Counter(w for t in toks for w in t)
    # Pieces and pairs each get SIF weights from their own kind's total, so the pieces' are unchanged.
    total = {False: sum(n for w, n in freq.items() if " " not in w), True: sum(n for w, n in freq.items() if " " in w)}
    vocab = [w for w, _ in freq.most_common() if " " not in w]
    vocab += [w for w, _ in Counter({w: n for w, n in freq.items() if " " in w}).most_common(args.bigrams)]
    index = {w: i for i, w in enumerate(vocab)}
    sif = np.array([1e-3 / (1e-3 + freq[w] / total[" " in w]) for w in vocab])

    def bow(texts):
        m = np.zeros((len(texts), len(vocab)))
        for r, t in enumerate(texts):
            for w in words(t):
                if " " in w and not args.pool_pairs:
                    continue
                i = index.get(w)
                if i is not None:
                    m[r, i] += sif[i]
        return m

    docs = [[index[w] for w in t if w in index] for t in toks]
    if args.bodies:
        docs += body_windows(args.bodies, dev, words, index, args.window)
    counts = ceiling.cooccurrence(docs, len(vocab))
    print(f"{len(vocab)} tokens ({args.bigrams} of them word-piece bigrams); d {args.dim}; SIF a 1e-3; MAP x100 on {len(dev)} dev queries")
    print("alpha  shift  p     MAP")
    for alpha in [float(x) for x in args.alphas.split(",")]:
        for shift in [float(x) for x in args.shifts.split(",")]:
            ppmi = ceiling.ppmi_from_counts(counts, alpha, shift)
            for p in [float(x) for x in args.powers.split(",")]:
                vec = ceiling.svd_vectors(ppmi, args.dim, p)
                print(f"{alpha:<6} {shift:<6} {p:<4} {ceiling.rerank_map(dev, lambda ts: bow(ts) @ vec):6.2f}", flush=True)


if __name__ == "__main__":
    main()
