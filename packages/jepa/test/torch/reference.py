"""PyTorch twin of a training step, the oracle of torch-parity.test.ts.

Usage: python3 reference.py DIR. Reads DIR/case.json and DIR/in.safetensors (weights named
bert.*, expander.*, mlm.*; inputs named input.*), builds BERT + the objective's head and loss
independently from the same weights (dropout off), runs one step in float32 and float64, and writes
DIR/out.safetensors: loss, grad.<name>, grad64.<name>, m.<name>, v.<name>, after.<name>, gradnorm,
running.<name> (BatchNorm statistics after the step).
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


# --- BERT (Hugging Face BertModel semantics, post-LN, erf GELU, dropout off) ---


def bert(P, cfg, ids, mask):
    B, T = ids.shape
    H, nh, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    d = H // nh
    p = lambda n: P["bert." + n]
    e = p("embeddings.word_embeddings.weight")[ids.long()]
    e = e + p("embeddings.position_embeddings.weight")[:T] + p("embeddings.token_type_embeddings.weight")[0]
    x = F.layer_norm(e, (H,), p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), eps)
    pad = (mask == 0)[:, None, None, :]
    for l in range(cfg["num_hidden_layers"]):
        q = lambda n: p(f"encoder.layer.{l}.{n}")
        lin = lambda t, n: F.linear(t, q(n + ".weight"), q(n + ".bias"))
        heads = lambda t: t.view(B, T, nh, d).transpose(1, 2)
        qh, kh, vh = (heads(lin(x, "attention.self." + n)) for n in ("query", "key", "value"))
        s = (qh @ kh.transpose(-1, -2)) / math.sqrt(d)
        s = s.masked_fill(pad, float("-inf"))
        ctx = (torch.softmax(s, -1) @ vh).transpose(1, 2).reshape(B, T, H)
        a = F.layer_norm(lin(ctx, "attention.output.dense") + x, (H,),
                         q("attention.output.LayerNorm.weight"), q("attention.output.LayerNorm.bias"), eps)
        h = F.gelu(lin(a, "intermediate.dense"))
        x = F.layer_norm(lin(h, "output.dense") + a, (H,), q("output.LayerNorm.weight"), q("output.LayerNorm.bias"), eps)
    return x


def pool(h, mask, mode):
    if mode == "cls":
        return h[:, 0]
    m = mask[:, :, None].to(h.dtype)
    return (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)


# --- JEPA: expander (Linear, BatchNorm1d in training mode, ReLU)..., Linear; VICReg ---


def expander(P, R, dims, x):
    n = len(dims) - 1
    for i in range(n):
        j = 3 * i
        x = F.linear(x, P[f"expander.{j}.weight"], P.get(f"expander.{j}.bias"))
        if i < n - 1:
            k = f"expander.{j + 1}."
            x = F.batch_norm(x, R[k + "running_mean"], R[k + "running_var"], P[k + "weight"], P[k + "bias"],
                             training=True, momentum=0.1, eps=1e-5)
            x = F.relu(x)
    return x


def vicreg_stats(z, gamma, eps):
    N, D = z.shape
    zc = z - z.mean(0)
    std = torch.sqrt((zc * zc).sum(0) / (N - 1) + eps)
    c = zc.T @ zc / (N - 1)
    return F.relu(gamma - std).mean(), (c * c).sum() - (torch.diagonal(c) ** 2).sum()


def vicreg(za, zb, o):
    D = za.shape[1]
    mse = ((za - zb) ** 2).mean()
    sa, ca = vicreg_stats(za, o["gamma"], o["eps"])
    sb, cb = vicreg_stats(zb, o["gamma"], o["eps"])
    seed = o["variant"] == "seed"
    inv = mse * mse if seed else mse
    var = (sa + sb) if seed else (sa + sb) * 0.5
    return o["lambda"] * inv + o["mu"] * var + o["nu"] * (ca + cb) / D


def l2normalize(x):
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-12)


def loss_of(case, P, R, I):
    cfg = case["bert"]
    obj = case["objective"]
    if obj == "jepa":
        za, zb = (
            expander(P, R, case["expander"], pool(bert(P, cfg, I[f"input.ids_{v}"], I[f"input.mask_{v}"]), I[f"input.mask_{v}"], case["pooling"]))
            for v in ("a", "b")
        )
        return vicreg(za, zb, case["vicreg"])
    if obj == "simcse":
        ids, mask = I["input.ids_a"], I["input.mask_a"]
        z1 = l2normalize(pool(bert(P, cfg, ids, mask), mask, case["pooling"]))
        z2 = l2normalize(pool(bert(P, cfg, ids, mask), mask, case["pooling"]))
        logits = z1 @ z2.T / case["temperature"]
        return F.cross_entropy(logits, torch.arange(ids.shape[0]))
    if obj == "mlm":
        h = bert(P, cfg, I["input.ids_a"], I["input.mask_a"])
        picked = h.reshape(-1, cfg["hidden_size"])[I["input.positions"].long()]
        m = lambda n: P["mlm.predictions." + n]
        t = F.layer_norm(F.gelu(F.linear(picked, m("transform.dense.weight"), m("transform.dense.bias"))),
                         (cfg["hidden_size"],), m("transform.LayerNorm.weight"), m("transform.LayerNorm.bias"), cfg["layer_norm_eps"])
        logits = F.linear(t, P["bert.embeddings.word_embeddings.weight"], m("bias"))
        return F.cross_entropy(logits, I["input.targets"].long())
    raise SystemExit(f"reference.py: unknown objective {obj!r}")


def run(case, weights, I, dtype):
    P = {n: w.to(dtype).clone().requires_grad_(True) for n, w in weights.items() if not n.startswith("buffer.")}
    R = {n[len("buffer."):]: w.to(dtype).clone() for n, w in weights.items() if n.startswith("buffer.")}
    loss = loss_of(case, P, R, I)
    loss.backward()
    return P, R, loss


def main():
    d = sys.argv[1]
    case = json.load(open(f"{d}/case.json"))
    raw = read_safetensors(f"{d}/in.safetensors")
    I = {n: t for n, t in raw.items() if n.startswith("input.")}
    W = {n: t for n, t in raw.items() if not n.startswith("input.")}
    torch.manual_seed(0)
    out = {}
    P64, _, loss64 = run(case, W, I, torch.float64)
    P, R, loss = run(case, W, I, torch.float32)
    out["loss"] = loss.detach().reshape(1)
    out["loss64"] = loss64.detach().reshape(1)
    for n, p in P.items():
        if p.grad is not None:
            out["grad." + n] = p.grad.clone()  # clip_grad_norm_ scales .grad in place
            out["grad64." + n] = P64[n].grad
    for n, r in R.items():
        out["running." + n] = r
    o = case["adamw"]
    params = [p for p in P.values()]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": o["weightDecay"]},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    out["gradnorm"] = torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], o["clip"]).reshape(1)
    opt.step()
    for n, p in P.items():
        out["after." + n] = p
        st = opt.state.get(p)
        if st:
            out["m." + n] = st["exp_avg"]
            out["v." + n] = st["exp_avg_sq"]
    write_safetensors(f"{d}/out.safetensors", out)
    print(json.dumps({"torch": torch.__version__, "loss": loss.item(), "loss64": loss64.item()}))


if __name__ == "__main__":
    main()
