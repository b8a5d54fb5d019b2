"""The PyTorch peer of `pnpm bench`'s training-step rows (and of the matmul / linear rows on a GPU).

python3 step.py SPECS.json [--device auto|cpu|cuda] [--threads N] -> one JSON line on stdout:
  {"torch": "1.13.1", "device": "cpu", "threads": 2, "results": [{"key": ..., "ms": median, "cpuMs": median process CPU ms, "runs": [...]}, ...]}
Each spec is one row (see benchmarks/src/torch-peer.ts): a BERT training step (fwd+bwd, or with the
AdamW update), the JEPA step (two views, expander with BatchNorm, VICReg, clipping, AdamW), or a
matmul / linear. The models are written here in plain PyTorch, the way a user would: HF BertModel's
math, GELU (erf), hidden dropout 0.1, attention dropout 0, mean pooling. Timing: warm-up runs, then
the median of `reps` runs, each ended by a device synchronisation.

python3 step.py --serve [--device ...] [--threads N]: one request per stdin line, one JSON answer per
line, the cases kept warm between requests, so `pnpm bench` can alternate rounds of ours and PyTorch:
  {"op": "open", "key": K, "spec": {...}}  -> {"key": K, "ok": true}   (builds the case, warm-up runs)
  {"op": "time", "key": K, "reps": n}      -> {"key": K, "runs": [...], "cpu": [...]}  (ms per run)
  {"op": "close", "key": K}                -> {"key": K, "ok": true}
A failure answers {"key": K, "error": "..."}; the first line is {"torch": ..., "device": ..., "threads": ...}.
"""
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {"tiny": (2, 128, 2, 512), "mini": (4, 256, 4, 1024), "small": (4, 512, 8, 2048), "base": (12, 768, 12, 3072)}
VOCAB = 30522
SDPA = hasattr(F, "scaled_dot_product_attention")


class Layer(nn.Module):
    def __init__(self, H, heads, inter, p):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(H, H) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(H, eps=1e-12), nn.LayerNorm(H, eps=1e-12)
        self.up, self.down = nn.Linear(H, inter), nn.Linear(inter, H)
        self.drop = nn.Dropout(p)

    def forward(self, x, bias):
        B, T, H = x.shape
        d = H // self.heads
        split = lambda t: t.view(B, T, self.heads, d).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        if SDPA:
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        else:
            ctx = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, -1) @ v
        a = self.ln1(self.drop(self.o(ctx.transpose(1, 2).reshape(B, T, H))) + x)
        return self.ln2(self.drop(self.down(F.gelu(self.up(a)))) + a)


class Bert(nn.Module):
    def __init__(self, preset, p=0.1):
        super().__init__()
        L, H, heads, inter = PRESETS[preset]
        self.hidden = H
        self.word, self.pos, self.token_type = nn.Embedding(VOCAB, H), nn.Embedding(512, H), nn.Embedding(2, H)
        self.ln = nn.LayerNorm(H, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.layers = nn.ModuleList(Layer(H, heads, inter, p) for _ in range(L))

    def forward(self, ids, mask):
        T = ids.shape[1]
        x = self.drop(self.ln(self.word(ids) + self.pos.weight[:T] + self.token_type.weight[0]))
        bias = ((1.0 - mask) * torch.finfo(x.dtype).min)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        return x


def mean_pool(h, mask):
    m = mask[:, :, None]
    return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)


def expander(dims):
    layers = []
    for i in range(len(dims) - 2):
        layers += [nn.Linear(dims[i], dims[i + 1]), nn.BatchNorm1d(dims[i + 1]), nn.ReLU()]
    layers.append(nn.Linear(dims[-2], dims[-1]))
    return nn.Sequential(*layers)


def vicreg(za, zb):
    N, D = za.shape

    def stats(z):
        zc = z - z.mean(0)
        c = zc.T @ zc / (N - 1)
        std = torch.sqrt(torch.diagonal(c) + 1e-4)
        return F.relu(1 - std).mean(), (c * c).sum() - (torch.diagonal(c) ** 2).sum()

    sa, ca = stats(za)
    sb, cb = stats(zb)
    return 25 * F.mse_loss(za, zb) + 25 * (sa + sb) / 2 + (ca + cb) / D


def adamw(params, lr):
    ps = [p for p in params if p.requires_grad]
    return torch.optim.AdamW(
        [{"params": [p for p in ps if p.dim() >= 2], "weight_decay": 0.01}, {"params": [p for p in ps if p.dim() < 2], "weight_decay": 0.0}],
        lr=lr,
    )


def ids_for(batch, tokens, dev):
    # The same ids as our rows: (i * 7919) mod vocab.
    return (torch.arange(batch * tokens, device=dev) * 7919 % VOCAB).view(batch, tokens)


def bert_case(s, dev):
    torch.manual_seed(1)
    model = Bert(s["preset"]).to(dev).train()
    ids = ids_for(s["batch"], s["tokens"], dev)
    mask = torch.ones(s["batch"], s["tokens"], device=dev)
    w = torch.randn(model.hidden, device=dev)
    opt = adamw(model.parameters(), 1e-4) if s["optimizer"] else None

    def run():
        model.zero_grad(set_to_none=True)
        (mean_pool(model(ids, mask), mask) * w).sum().backward()
        if opt:
            opt.step()

    return run


def jepa_case(s, dev):
    torch.manual_seed(1)
    model = Bert(s["preset"]).to(dev).train()
    H = model.hidden
    head = expander([H] + s["expander"]).to(dev).train()
    B, T, Tb = s["batch"], s["tokens"], s["cropTokens"]
    ids_a, ids_b = ids_for(B, T, dev), ids_for(B, Tb, dev)
    ma, mb = torch.ones(B, T, device=dev), torch.ones(B, Tb, device=dev)
    params = list(model.parameters()) + list(head.parameters())
    opt = adamw(params, 5e-4)

    def run():
        opt.zero_grad(set_to_none=True)
        za = head(mean_pool(model(ids_a, ma), ma))
        zb = head(mean_pool(model(ids_b, mb), mb))
        vicreg(za, zb).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    return run


def matmul_case(s, dev):
    a = torch.randn(s["M"], s["K"], device=dev)
    b = torch.randn(s["K"], s["N"], device=dev)
    return lambda: a @ b


def linear_case(s, dev):
    x = torch.randn(s["tokens"], s["in"], device=dev)
    w = torch.randn(s["out"], s["in"], device=dev) * 0.05
    bias = torch.randn(s["out"], device=dev)
    return (lambda: F.gelu(F.linear(x, w, bias))) if s["gelu"] else (lambda: F.linear(x, w, bias))


CASES = {"bert": bert_case, "jepa": jepa_case, "matmul": matmul_case, "linear": linear_case}


def grad_mode(spec):
    return torch.no_grad() if spec["kind"] in ("matmul", "linear") else torch.enable_grad()


def time_runs(run, sync, spec, reps):
    runs, cpu = [], []
    with grad_mode(spec):
        for _ in range(reps):
            c0, t0 = time.process_time(), time.perf_counter()
            run()
            sync()
            runs.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return runs, cpu


def serve(dev, threads, sync):
    name = torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"
    print(json.dumps({"torch": torch.__version__, "device": name, "threads": threads, "sdpa": SDPA}), flush=True)
    cases = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        key = req.get("key")
        try:
            if req["op"] == "open":
                spec = req["spec"]
                run = CASES[spec["kind"]](spec, dev)
                time_runs(run, sync, spec, spec.get("warmup", 2))
                cases[key] = (run, spec)
                answer = {"key": key, "ok": True}
            elif req["op"] == "time":
                run, spec = cases[key]
                runs, cpu = time_runs(run, sync, spec, req.get("reps", 1))
                answer = {"key": key, "runs": runs, "cpu": cpu}
            elif req["op"] == "close":
                cases.pop(key, None)
                if dev == "cuda":
                    torch.cuda.empty_cache()
                answer = {"key": key, "ok": True}
            else:
                answer = {"key": key, "error": f"unknown op {req['op']!r}"}
        except Exception as e:  # a failed row is a finding, not a reason to lose the others
            answer = {"key": key, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)


def main():
    want = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else "auto"
    dev = "cuda" if want == "cuda" or (want == "auto" and torch.cuda.is_available()) else "cpu"
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    if "--serve" in sys.argv:
        return serve(dev, threads, sync)
    specs = json.load(open(sys.argv[1]))
    results = []
    for s in specs:
        try:
            run = CASES[s["kind"]](s, dev)
            time_runs(run, sync, s, s.get("warmup", 2))
            runs, cpu = time_runs(run, sync, s, max(5, s.get("reps", 5)))
            results.append({"key": s["key"], "ms": statistics.median(runs), "cpuMs": statistics.median(cpu), "runs": runs})
        except Exception as e:  # a failed row is a finding, not a reason to lose the others
            results.append({"key": s["key"], "error": f"{type(e).__name__}: {e}"})
        if dev == "cuda":
            torch.cuda.empty_cache()
    name = torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"
    print(json.dumps({"torch": torch.__version__, "device": name, "threads": threads, "sdpa": SDPA, "results": results}))


if __name__ == "__main__":
    main()
