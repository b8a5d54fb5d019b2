// The benchmark registry: one row per (op, shape). Each row sets up its inputs for us (@jepa/tensor
// or @jepa/kernels) and for the peer (tfjs, computing the same math — for our fused ops, tfjs's
// composition of it), and says how much work one run is (FLOPs or bytes moved).
import * as K from '@jepa/kernels';
import { vicregLoss } from '@jepa/jepa';
import { AdamW, BertModel, Expander, bertConfig, pool, type BertPreset } from '@jepa/nn';
import * as T from '@jepa/tensor';
import { randData } from './data.ts';
import type { Tf, TfTensor } from './peer.ts';
import type { TorchSpec } from './torch-peer.ts';

export interface RowContext {
  quick: boolean;
  /** true on CPU rasterizers (llvmpipe): the large sizes are left out */
  cpu: boolean;
}

export interface OursCase {
  /** enqueue one run; returned tensors are disposed by the harness after the device finished */
  // biome-ignore lint/suspicious/noConfusingVoidType: a case may enqueue work and return nothing
  run(): T.Tensor | T.Tensor[] | void;
  dispose(): void;
}

export interface PeerCase {
  /** one run (inside tf.tidy); returned tensors are kept until the device finished, then disposed */
  run(): TfTensor | TfTensor[];
  dispose(): void;
}

export interface BenchRow {
  op: string;
  shape: string;
  /** FLOPs of one run (GFLOP/s rows) */
  flops?: number;
  /** bytes read + written by one run (GB/s rows) */
  bytes?: number;
  ours: () => OursCase;
  peer?: (tf: Tf) => PeerCase;
  /** timed runs per round, their median the round's time (default 3; 1 for rows that take a minute on a CPU) */
  reps?: number;
  /** a reason the peer cannot run this row (recorded as the row's note), or null */
  peerSkip?: () => string | null;
  /** the same work for the PyTorch peer (benchmarks/torch/step.py) */
  torch?: TorchSpec;
  /** tokens one run processes (training-step rows: tokens/s) */
  tokens?: number;
  /** also time our GPU ms with timestamp queries (default true; off for minute-long CPU rows) */
  gpuTime?: boolean;
}

// ---- data ------------------------------------------------------------------------------------

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The same random tensors for both sides. */
class Inputs {
  private data: Float32Array[] = [];
  constructor(
    private shapes: number[][],
    scale = 1,
  ) {
    shapes.forEach((s, i) => this.data.push(randData(numel(s), 17 + i * 101, scale)));
  }
  ours(): T.Tensor[] {
    return this.shapes.map((s, i) => T.tensor(this.data[i], s));
  }
  peer(tf: Tf): TfTensor[] {
    return this.shapes.map((s, i) => tf.tensor(this.data[i], s));
  }
}

function oursCase(inputs: Inputs, f: (xs: T.Tensor[]) => T.Tensor | T.Tensor[]): () => OursCase {
  return () => {
    const xs = inputs.ours();
    // tidy: intermediates (a transposed view, say) are freed each run; the result is kept for the caller.
    return { run: () => T.tidy(() => T.noGrad(() => f(xs))), dispose: () => xs.forEach((x) => x.dispose()) };
  };
}

function peerCase(inputs: Inputs, f: (tf: Tf, xs: TfTensor[]) => TfTensor | TfTensor[]): (tf: Tf) => PeerCase {
  return (tf) => {
    const xs = inputs.peer(tf);
    return { run: () => f(tf, xs), dispose: () => xs.forEach((x) => x.dispose()) };
  };
}

// ---- peer compositions -------------------------------------------------------------------------

const SQRT1_2 = Math.SQRT1_2;
function tfGelu(tf: Tf, x: TfTensor): TfTensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1));
}

// ---- rows --------------------------------------------------------------------------------------

function matmulRow(M: number, K: number, N: number): BenchRow {
  const inp = new Inputs([
    [M, K],
    [K, N],
  ]);
  return {
    op: 'matmul',
    shape: `${M}×${K}×${N}`,
    flops: 2 * M * N * K,
    torch: { kind: 'matmul', M, K, N },
    ours: oursCase(inp, ([a, b]) => T.matmul(a, b)),
    peer: peerCase(inp, (tf, [a, b]) => tf.matMul(a as never, b as never)),
  };
}

/** x [tokens, in] @ wᵀ (w [out, in], PyTorch layout) + bias (+ GELU): BERT's projections. */
function linearRow(tokens: number, inF: number, outF: number, gelu: boolean): BenchRow {
  const inp = new Inputs([[tokens, inF], [outF, inF], [outF]], 0.5);
  return {
    op: gelu ? 'linear+bias+gelu' : 'linear+bias',
    shape: `${tokens}×${inF}→${outF}`,
    flops: 2 * tokens * inF * outF,
    torch: { kind: 'linear', tokens, in: inF, out: outF, gelu },
    ours: oursCase(inp, ([x, w, b]) => (gelu ? T.linearGelu(x, w, b) : T.linear(x, w, b))),
    peer: peerCase(inp, (tf, [x, w, b]) => {
      const y = tf.fused.matMul({ a: x as never, b: w as never, transposeB: true, bias: b });
      return gelu ? tfGelu(tf, y) : y;
    }),
  };
}

/** dW = gᵀ x: the weight gradient of a linear layer (A read transposed). */
function weightGradRow(tokens: number, outF: number, inF: number): BenchRow {
  const inp = new Inputs([
    [tokens, outF],
    [tokens, inF],
  ]);
  return {
    op: 'matmul gᵀx',
    shape: `${outF}×${tokens}×${inF}`,
    flops: 2 * tokens * inF * outF,
    ours: oursCase(inp, ([g, x]) => T.matmul(T.transpose(g), x)),
    peer: peerCase(inp, (tf, [g, x]) => tf.matMul(g as never, x as never, true, false)),
  };
}

function addRow(n: number): BenchRow {
  const inp = new Inputs([[n], [n]]);
  return {
    op: 'add',
    shape: `${n}`,
    bytes: 12 * n,
    ours: oursCase(inp, ([a, b]) => T.add(a, b)),
    peer: peerCase(inp, (tf, [a, b]) => tf.add(a, b)),
  };
}

function geluRow(n: number): BenchRow {
  const inp = new Inputs([[n]]);
  return {
    op: 'gelu',
    shape: `${n}`,
    bytes: 8 * n,
    ours: oursCase(inp, ([a]) => T.gelu(a)),
    peer: peerCase(inp, (tf, [a]) => tfGelu(tf, a)),
  };
}

function sumRowsRow(rows: number, cols: number): BenchRow {
  const inp = new Inputs([[rows, cols]]);
  return {
    op: 'sum(axis=-1)',
    shape: `${rows}×${cols}`,
    bytes: 4 * rows * cols + 4 * rows,
    ours: oursCase(inp, ([x]) => T.sum(x, -1)),
    peer: peerCase(inp, (tf, [x]) => tf.sum(x, -1)),
  };
}

function sumColsRow(rows: number, cols: number): BenchRow {
  const inp = new Inputs([[rows, cols]]);
  return {
    op: 'sum(axis=0)',
    shape: `${rows}×${cols}`,
    bytes: 4 * rows * cols + 4 * cols,
    ours: oursCase(inp, ([x]) => T.sum(x, 0)),
    peer: peerCase(inp, (tf, [x]) => tf.sum(x, 0)),
  };
}

function sumAllRow(n: number): BenchRow {
  const inp = new Inputs([[n]]);
  return {
    op: 'sum(all)',
    shape: `${n}`,
    bytes: 4 * n,
    ours: oursCase(inp, ([x]) => T.sum(x)),
    peer: peerCase(inp, (tf, [x]) => tf.sum(x)),
  };
}

function layerNormRow(tokens: number, hidden: number): BenchRow {
  const inp = new Inputs([[tokens, hidden], [hidden], [hidden]]);
  return {
    op: 'layerNorm',
    shape: `${tokens}×${hidden}`,
    bytes: 8 * tokens * hidden,
    ours: oursCase(inp, ([x, w, b]) => T.layerNorm(x, w, b, 1e-12)),
    peer: peerCase(inp, (tf, [x, w, b]) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-12))), w), b);
    }),
  };
}

function softmaxRow(rows: number, cols: number): BenchRow {
  const inp = new Inputs([[rows, cols]], 4);
  return {
    op: 'softmax',
    shape: `${rows}×${cols}`,
    bytes: 8 * rows * cols,
    ours: oursCase(inp, ([x]) => T.softmax(x, -1)),
    peer: peerCase(inp, (tf, [x]) => tf.softmax(x, -1)),
  };
}

function attentionRow(B: number, H: number, Tn: number, d: number): BenchRow {
  const s = [B, H, Tn, d];
  const inp = new Inputs([s, s, s]);
  const scale = 1 / Math.sqrt(d);
  return {
    op: 'attention',
    shape: `${B}×${H}×${Tn}×${d}`,
    flops: 4 * B * H * Tn * Tn * d,
    ours: oursCase(inp, ([q, k, v]) => T.attention(q, k, v, { scale })),
    peer: peerCase(inp, (tf, [q, k, v]) => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)), v)),
  };
}

/** Our side of an attention fwd+bwd row: `forward` from Q, K, V, then backward of a fixed dO. */
function attentionGradCase(inp: Inputs, forward: (q: T.Tensor, k: T.Tensor, v: T.Tensor) => T.Tensor): () => OursCase {
  return () => {
    const [q, k, v, dO] = inp.ours();
    for (const t of [q, k, v]) t.requiresGrad = true;
    return {
      run: () => {
        for (const t of [q, k, v]) t.zeroGrad();
        T.tidy(() => forward(q, k, v).backward(dO));
        return [q.grad!, k.grad!, v.grad!];
      },
      dispose: () => [q, k, v, dO].forEach((x) => x.dispose()),
    };
  };
}

/**
 * Forward and backward (dQ, dK, dV for a fixed dO): the fused kernels vs the same math in tfjs ops;
 * `unfused`, the same through our matmul, softmax and autograd instead (no peer): the baseline the
 * fused kernels are measured against (issue target on a GPU: fused ≥ 3× this).
 */
function attentionTrainRow(B: number, H: number, Tn: number, d: number, unfused = false): BenchRow {
  const s = [B, H, Tn, d];
  const inp = new Inputs([s, s, s, s]);
  const scale = 1 / Math.sqrt(d);
  const row = { shape: `${B}×${H}×${Tn}×${d}`, flops: 10 * B * H * Tn * Tn * d };
  if (unfused) {
    return {
      ...row,
      op: 'attention fwd+bwd unfused (ours)',
      ours: attentionGradCase(inp, (q, k, v) =>
        T.matmul(T.softmax(T.mul(T.matmul(q, T.transpose(k, -1, -2)), scale), -1), v),
      ),
    };
  }
  return {
    ...row,
    op: 'attention fwd+bwd',
    ours: attentionGradCase(inp, (q, k, v) => T.attention(q, k, v, { scale })),
    peer: (tf) => {
      // The composition's forward and its backward written out in tfjs ops (tfjs-core's Node build
      // registers no gradients): P = softmax(s·QKᵀ), dV = PᵀdO, dS = P∘(dP − rowsum(dP∘P)) with
      // dP = dO Vᵀ, dQ = s·dS K, dK = s·dSᵀ Q.
      const [q, k, v, dO] = inp.peer(tf);
      return {
        run: () => {
          const P = tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale));
          const o = tf.matMul(P, v);
          const dV = tf.matMul(P, dO, true, false);
          const dP = tf.matMul(dO, v, false, true);
          const dS = tf.mul(P, tf.sub(dP, tf.sum(tf.mul(dP, P), -1, true)));
          const dQ = tf.mul(tf.matMul(dS, k), scale);
          const dK = tf.mul(tf.matMul(dS, q, true, false), scale);
          return [o, dQ, dK, dV];
        },
        dispose: () => [q, k, v, dO].forEach((x) => x.dispose()),
      };
    },
  };
}

/** Token ids shared with the PyTorch twin: (i · 7919) mod vocab. */
function stepIds(batch: number, tokens: number, vocab: number): T.Tensor {
  return T.tensor(
    Int32Array.from({ length: batch * tokens }, (_, i) => (i * 7919) % vocab),
    [batch, tokens],
  );
}

/** A BERT as the trainer builds it: hidden dropout 0.1, attention dropout 0, no pooler, training mode. */
function stepModel(preset: BertPreset): BertModel {
  T.manualSeed(1);
  return new BertModel(bertConfig(preset, { attention_probs_dropout_prob: 0 }), { pooler: false });
}

function disposeModule(m: { parameters(): T.Tensor[]; zeroGrad(): void }): void {
  m.zeroGrad();
  for (const p of m.parameters()) p.dispose();
}

/**
 * One BERT training step's forward and backward at batch × tokens (mean pooling of the last hidden
 * state, a random projection as the loss), with or without the AdamW update. Peer: the same model
 * and step in PyTorch (benchmarks/torch/step.py).
 */
export function bertRow(
  preset: BertPreset,
  batch: number,
  tokens: number,
  withOptimizer: boolean,
  reps?: number,
  gpuTime?: boolean,
): BenchRow {
  return {
    reps,
    gpuTime,
    tokens: batch * tokens,
    op: withOptimizer ? `bert-${preset} step+AdamW` : `bert-${preset} fwd+bwd`,
    shape: `${batch}×${tokens} tokens`,
    torch: { kind: 'bert', preset, batch, tokens, optimizer: withOptimizer },
    ours: () => {
      const model = stepModel(preset);
      const ids = stepIds(batch, tokens, model.config.vocab_size);
      const mask = T.ones([batch, tokens]);
      const w = T.tensor(randData(model.config.hidden_size, 3), [model.config.hidden_size]);
      const opt = withOptimizer ? new AdamW(model.parameters(), { lr: 1e-4 }) : null;
      return {
        run: () => {
          model.zeroGrad();
          T.tidy(() => {
            const h = model.forward(ids, mask).lastHidden;
            T.sum(T.mul(pool(h, mask, 'mean'), w)).backward();
          });
          opt?.step();
        },
        dispose: () => {
          opt?.dispose();
          disposeModule(model);
          [ids, mask, w].forEach((x) => x.dispose());
        },
      };
    },
  };
}

/**
 * The trainer's whole JEPA step on fixed tokens: a batch and its crop (half the tokens) through the
 * encoder, mean pooling, the expander (BatchNorm in training mode), official VICReg, clipping to 1.0
 * and AdamW over encoder + expander.
 */
export function jepaRow(preset: BertPreset, batch: number, tokens: number, reps?: number): BenchRow {
  const crop = tokens >> 1;
  const H = bertConfig(preset).hidden_size;
  const dims = [H, 4 * H, 4 * H, 4 * H];
  return {
    reps,
    tokens: batch * (tokens + crop),
    op: `jepa-${preset} step`,
    shape: `${batch}×(${tokens}+${crop}) tokens`,
    torch: { kind: 'jepa', preset, batch, tokens, cropTokens: crop, expander: dims.slice(1) },
    ours: () => {
      const model = stepModel(preset);
      const expander = new Expander(dims);
      const V = model.config.vocab_size;
      const [idsA, idsB] = [stepIds(batch, tokens, V), stepIds(batch, crop, V)];
      const [maskA, maskB] = [T.ones([batch, tokens]), T.ones([batch, crop])];
      const opt = new AdamW([model, expander], { lr: 5e-4, maxGradNorm: 1 });
      return {
        run: () => {
          model.zeroGrad();
          expander.zeroGrad();
          T.tidy(() => {
            const za = expander.forward(pool(model.forward(idsA, maskA).lastHidden, maskA, 'mean'));
            const zb = expander.forward(pool(model.forward(idsB, maskB).lastHidden, maskB, 'mean'));
            vicregLoss(za, zb).loss.backward();
          });
          opt.step();
        },
        dispose: () => {
          opt.dispose();
          disposeModule(model);
          expander.dispose();
          [idsA, idsB, maskA, maskB].forEach((x) => x.dispose());
        },
      };
    },
  };
}

function vicregRow(N: number, D: number): BenchRow {
  const inp = new Inputs([[N, D]]);
  return {
    // FLOPs of the covariance it never forms: the N×N Gram when N ≤ D, else the D×D tiles.
    op: 'vicregStats',
    shape: `${N}×${D}`,
    flops: 2 * N * D * Math.min(N, D),
    // tfjs's composition materialises the D×D covariance.
    peerSkip: () =>
      4 * D * D > K.runtime().limits.maxStorageBufferBindingSize
        ? `the peer's ${D}×${D} covariance (${((4 * D * D) / 2 ** 20).toFixed(0)} MiB) exceeds the binding limit`
        : null,
    ours: oursCase(inp, ([z]) => {
      const r = T.vicregStats(z, { gamma: 1, eps: 1e-4 });
      return [r.std, r.cov];
    }),
    peer: peerCase(inp, (tf, [z]) => {
      const zc = tf.sub(z, tf.mean(z, 0, true));
      const v = tf.div(tf.sum(tf.square(zc), 0), N - 1);
      const std = tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(v, 1e-4)))));
      const c = tf.div(tf.matMul(zc, zc, true, false), N - 1);
      const cov = tf.sub(tf.sum(tf.square(c)), tf.sum(tf.square(v)));
      return [std, cov];
    }),
  };
}

function adamwRow(n: number): BenchRow {
  const data = [0, 1, 2, 3].map((i) => randData(n, 5 + i, i === 3 ? 0.01 : 1).map((x) => (i === 3 ? Math.abs(x) : x)));
  const [lr, b1, b2, eps, wd, step] = [1e-3, 0.9, 0.999, 1e-8, 0.01, 10];
  return {
    op: 'adamw (kernel)',
    shape: `${n}`,
    bytes: 28 * n,
    ours: () => {
      const rt = K.runtime();
      const bufs = data.map((d) => {
        const b = rt.alloc(4 * n);
        rt.write(b, 0, d);
        return b;
      });
      return {
        run: () =>
          K.adamw({
            param: bufs[0],
            grad: bufs[1],
            m: bufs[2],
            v: bufs[3],
            n,
            lr,
            beta1: b1,
            beta2: b2,
            eps,
            weightDecay: wd,
            step,
          }),
        dispose: () => bufs.forEach((b) => rt.free(b)),
      };
    },
    peer: (tf) => {
      const [p, g, m, v] = data.map((d) => tf.tensor1d(d));
      const bc1 = 1 - b1 ** step,
        bc2 = 1 - b2 ** step;
      return {
        run: () => {
          const m2 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
          const v2 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
          const upd = tf.div(tf.div(m2, bc1), tf.add(tf.sqrt(tf.div(v2, bc2)), eps));
          const p2 = tf.sub(tf.mul(p, 1 - lr * wd), tf.mul(upd, lr));
          return [p2, m2, v2];
        },
        dispose: () => [p, g, m, v].forEach((x) => x.dispose()),
      };
    },
  };
}

export function benchRows(ctx: RowContext): BenchRow[] {
  const rows: BenchRow[] = [];
  const squares = ctx.cpu ? [256, 512, 1024] : [256, 512, 1024, 2048, 4096];
  for (const n of squares) rows.push(matmulRow(n, n, n));
  const tokensList = ctx.quick ? [1024] : ctx.cpu ? [1024, 2048] : [1024, 4096, 16384];
  for (const t of tokensList) {
    rows.push(linearRow(t, 768, 768, false));
    rows.push(linearRow(t, 768, 3072, true));
    rows.push(linearRow(t, 3072, 768, false));
    if (!ctx.quick) rows.push(weightGradRow(t, 3072, 768));
  }
  const n = ctx.quick || ctx.cpu ? 1 << 22 : 1 << 24;
  rows.push(addRow(n), geluRow(n));
  rows.push(sumRowsRow(4096, 1024), sumColsRow(4096, 1024), sumAllRow(n));
  rows.push(layerNormRow(tokensList[0], 768));
  rows.push(softmaxRow(8 * 12 * 128, 128));
  for (const Tn of ctx.cpu ? [128] : [128, 512]) {
    rows.push(attentionRow(8, 12, Tn, 64), attentionTrainRow(8, 12, Tn, 64), attentionTrainRow(8, 12, Tn, 64, true));
  }
  rows.push(vicregRow(256, 1536), vicregRow(256, 8192));
  // AdamW over BERT-base's 110M parameters on a GPU; 4M (one 16 MiB chunk's worth) on llvmpipe.
  rows.push(adamwRow(ctx.cpu ? 1 << 22 : 110_000_000));
  // Training steps at 32 × 32 and 8 × 128 tokens. BERT-base takes ~20 s a step on llvmpipe: full
  // runs only there, 3 timed runs and no GPU-ms pass.
  const presets: BertPreset[] = ctx.quick && ctx.cpu ? ['tiny', 'mini'] : ['tiny', 'mini', 'base'];
  for (const preset of presets) {
    const slow = ctx.cpu && preset === 'base';
    for (const [b, t] of [
      [32, 32],
      [8, 128],
    ]) {
      for (const opt of [false, true])
        rows.push(bertRow(preset, b, t, opt, slow ? 1 : undefined, slow ? false : undefined));
    }
  }
  rows.push(jepaRow('tiny', 32, 32));
  if (!ctx.cpu) rows.push(jepaRow('base', 32, 32));
  return rows;
}
