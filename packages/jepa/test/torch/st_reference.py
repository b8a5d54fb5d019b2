"""What sentence-transformers computes for a model dir, in plain PyTorch (the oracle of
sentence-transformers.test.ts, where the library itself cannot be installed).

Usage: python3 st_reference.py DIR < sentences.json > embeddings.json

Follows the dir's files only, as SentenceTransformer(DIR) would: modules.json for the pipeline
(Transformer at its path, optional WordWeights, Pooling, optional Normalize); the Transformer's
sentence_bert_config.json (max_seq_length, do_lower_case), config.json and model.safetensors (by
Hugging Face BertModel names); the tokenizer from vocab.txt and tokenizer_config.json (do_lower_case,
strip_accents, tokenize_chinese_chars), an independent port of transformers' BertTokenizer; the
Pooling and WordWeights modules as in sentence_transformers/models/{Pooling,WordWeights}.py.
"""
import json
import os
import sys
import unicodedata

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from reference import bert, read_safetensors  # noqa: E402


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# --- transformers' BertTokenizer (BasicTokenizer + WordpieceTokenizer) ---


def is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def is_control(c):
    return c not in "\t\n\r" and unicodedata.category(c).startswith("C")


def is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(cp):
    return any(a <= cp <= b for a, b in [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
                                         (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)])


def strip_accents(t):
    return "".join(c for c in unicodedata.normalize("NFD", t) if unicodedata.category(c) != "Mn")


def split_punc(t):
    out, cur = [], ""
    for c in t:
        if is_punctuation(c):
            if cur:
                out.append(cur)
            out.append(c)
            cur = ""
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def basic_tokenize(text, lower, strip, cjk):
    text = "".join(" " if is_whitespace(c) else c for c in text if ord(c) not in (0, 0xFFFD) and not is_control(c))
    if cjk:
        text = "".join(f" {c} " if is_cjk(ord(c)) else c for c in text)
    out = []
    for tok in unicodedata.normalize("NFC", text).split():
        if lower:
            tok = tok.lower()
            if strip is not False:
                tok = strip_accents(tok)
        elif strip:
            tok = strip_accents(tok)
        out.extend(split_punc(tok))
    return out


def wordpiece(word, vocab, unk="[UNK]", max_chars=100):
    if len(word) > max_chars:
        return [unk]
    out, start = [], 0
    while start < len(word):
        end, cur = len(word), None
        while start < end:
            sub = ("##" if start > 0 else "") + word[start:end]
            if sub in vocab:
                cur = sub
                break
            end -= 1
        if cur is None:
            return [unk]
        out.append(cur)
        start = end
    return out


# --- the pipeline ---


def main():
    root = sys.argv[1]
    sentences = json.load(sys.stdin)
    modules = load_json(os.path.join(root, "modules.json"))
    kind = lambda m: m["type"].rsplit(".", 1)[-1]
    tdir = os.path.join(root, modules[0]["path"])
    assert kind(modules[0]) == "Transformer", modules[0]
    sbert = load_json(os.path.join(tdir, "sentence_bert_config.json"))
    cfg = load_json(os.path.join(tdir, "config.json"))
    P = {"bert." + k: v for k, v in read_safetensors(os.path.join(tdir, "model.safetensors")).items()}
    tc = load_json(os.path.join(tdir, "tokenizer_config.json"))
    with open(os.path.join(tdir, "vocab.txt"), encoding="utf-8") as f:
        tokens = f.read().split("\n")[:-1]
    vocab = {t: i for i, t in enumerate(tokens)}
    lower, strip, cjk = tc.get("do_lower_case", True), tc.get("strip_accents"), tc.get("tokenize_chinese_chars", True)
    max_len = sbert["max_seq_length"]

    out = []
    for s in sentences:
        if sbert.get("do_lower_case"):
            s = s.lower()
        pieces = [p for w in basic_tokenize(s, lower, strip, cjk) for p in wordpiece(w, vocab)]
        ids = [vocab["[CLS]"]] + [vocab[p] for p in pieces][: max_len - 2] + [vocab["[SEP]"]]
        ids = torch.tensor([ids])
        mask = torch.ones_like(ids)
        h = bert(P, cfg, ids, mask)  # token_embeddings [1, T, H]
        feats = {"token_embeddings": h, "attention_mask": mask, "input_ids": ids}
        for m in modules[1:]:
            mdir = os.path.join(root, m["path"])
            if kind(m) == "WordWeights":
                c = load_json(os.path.join(mdir, "config.json"))
                w = torch.tensor([c["word_weights"].get(t, c["word_weights"].get(t.lower(), c["unknown_word_weight"]))
                                  for t in c["vocab"]], dtype=torch.float32)
                tw = w[feats["input_ids"]] * feats["attention_mask"].float()
                feats["token_weights_sum"] = tw.sum(1)
                feats["token_embeddings"] = feats["token_embeddings"] * tw.unsqueeze(-1)
            elif kind(m) == "Pooling":
                c = load_json(os.path.join(mdir, "config.json"))
                te, am = feats["token_embeddings"], feats["attention_mask"].unsqueeze(-1).float()
                if c["pooling_mode_cls_token"]:
                    e = te[:, 0]
                elif c["pooling_mode_max_tokens"]:
                    e = te.masked_fill(am == 0, -1e9).max(1)[0]
                else:
                    assert c["pooling_mode_mean_tokens"], c
                    den = feats["token_weights_sum"].unsqueeze(-1) if "token_weights_sum" in feats else am.sum(1)
                    e = (te * am).sum(1) / den.clamp(min=1e-9)
                feats["sentence_embedding"] = e
            elif kind(m) == "Normalize":
                feats["sentence_embedding"] = F.normalize(feats["sentence_embedding"], p=2, dim=1)
            else:
                raise SystemExit(f"unsupported module {m}")
        out.append({"tokens": pieces, "embedding": feats["sentence_embedding"][0].tolist()})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
