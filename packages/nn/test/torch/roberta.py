"""Independent PyTorch RoBERTa (Hugging Face RobertaModel semantics, written from its definition):
the oracle of roberta.test.ts.

Usage: python3 roberta.py DIR. Reads DIR/case.json (the config) and DIR/in.safetensors (weights under
their HF names, input.ids i32 [B, T], input.mask f32 [B, T], input.w_hidden [B, T, H], input.w_pooled
[B, H]); runs the model in float32 and float64 (dropout off) and writes DIR/out.safetensors:
position_ids, hidden, pooled, loss, grad.<name>, grad64.<name>, where
loss = sum(hidden * w_hidden * mask) + sum(pooled * w_pooled).
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "I32": np.int32, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        arr = np.frombuffer(raw[base + a : base + b], dtype=DTYPES[h["dtype"]]).reshape(h["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().to(torch.float32).contiguous().numpy()
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    js = json.dumps(header).encode()
    js += b" " * ((8 - (8 + len(js)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def create_position_ids_from_input_ids(input_ids, padding_idx):
    # As transformers.models.roberta.modeling_roberta: non-pad tokens count from padding_idx + 1.
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental_indices.long() + padding_idx


def roberta(P, cfg, ids, mask):
    B, T = ids.shape
    H, nh, eps, pad = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"], cfg["pad_token_id"]
    d = H // nh
    ids = ids.long()
    pos = create_position_ids_from_input_ids(ids, pad)
    # nn.Embedding(padding_idx=pad) for words and positions, as HF builds them.
    e = F.embedding(ids, P["embeddings.word_embeddings.weight"], padding_idx=pad)
    e = e + F.embedding(pos, P["embeddings.position_embeddings.weight"], padding_idx=pad)
    e = e + F.embedding(torch.zeros_like(ids), P["embeddings.token_type_embeddings.weight"])
    x = F.layer_norm(e, (H,), P["embeddings.LayerNorm.weight"], P["embeddings.LayerNorm.bias"], eps)
    # HF's extended attention mask: (1 - mask) * finfo.min added to the scores.
    ext = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
    for l in range(cfg["num_hidden_layers"]):
        q = lambda n: P[f"encoder.layer.{l}.{n}"]
        lin = lambda t, n: F.linear(t, q(n + ".weight"), q(n + ".bias"))
        heads = lambda t: t.view(B, T, nh, d).permute(0, 2, 1, 3)
        qh, kh, vh = (heads(lin(x, "attention.self." + n)) for n in ("query", "key", "value"))
        s = torch.matmul(qh, kh.transpose(-1, -2)) / math.sqrt(d) + ext
        ctx = torch.matmul(torch.softmax(s, -1), vh).permute(0, 2, 1, 3).reshape(B, T, H)
        a = F.layer_norm(lin(ctx, "attention.output.dense") + x, (H,),
                         q("attention.output.LayerNorm.weight"), q("attention.output.LayerNorm.bias"), eps)
        h = F.gelu(lin(a, "intermediate.dense"))
        x = F.layer_norm(lin(h, "output.dense") + a, (H,), q("output.LayerNorm.weight"), q("output.LayerNorm.bias"), eps)
    pooled = torch.tanh(F.linear(x[:, 0], P["pooler.dense.weight"], P["pooler.dense.bias"]))
    return pos, x, pooled


def run(inputs, cfg, dtype):
    P = {k: v.detach().to(dtype).clone().requires_grad_(True) for k, v in inputs.items() if not k.startswith("input.")}
    ids, mask = inputs["input.ids"], inputs["input.mask"].to(dtype)
    pos, hidden, pooled = roberta(P, cfg, ids, mask)
    loss = (hidden * inputs["input.w_hidden"].to(dtype) * mask[:, :, None]).sum()
    loss = loss + (pooled * inputs["input.w_pooled"].to(dtype)).sum()
    loss.backward()
    return pos, hidden, pooled, loss, {k: v.grad for k, v in P.items()}


def main():
    d = sys.argv[1]
    torch.manual_seed(0)
    with open(f"{d}/case.json") as f:
        cfg = json.load(f)
    inputs = read_safetensors(f"{d}/in.safetensors")
    pos, hidden, pooled, loss, grads = run(inputs, cfg, torch.float32)
    _, hidden64, pooled64, loss64, grads64 = run(inputs, cfg, torch.float64)
    out = {"position_ids": pos, "hidden": hidden, "pooled": pooled, "loss": loss.reshape(1),
           "hidden64": hidden64, "pooled64": pooled64, "loss64": loss64.reshape(1)}
    for k, g in grads.items():
        out["grad." + k] = g
        out["grad64." + k] = grads64[k]
    write_safetensors(f"{d}/out.safetensors", out)


if __name__ == "__main__":
    main()
