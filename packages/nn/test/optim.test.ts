import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { keep, tensor, type Tensor } from '@jepa/tensor';
import { randArray } from '../../tensor/test/helpers.ts';
import { adamwRef, clipFactor } from '../../../test/ref/adamw.ts';
import {
  AdamW,
  LayerNorm,
  Linear,
  Module,
  SGD,
  clipGradNorm,
  gradNorm,
  linearSchedule,
  type OptimizerState,
} from '../src/index.ts';

class Net extends Module {
  readonly fc = this.registerModule('fc', new Linear(5, 3));
  readonly ln = this.registerModule('ln', new LayerNorm(3));
}

/** Deterministic gradients per step and parameter. */
const gradFor = (step: number, i: number, n: number) => randArray(n, 1000 * step + i, 0.3 * step);

async function hostParams(ps: readonly Tensor[]): Promise<Float64Array[]> {
  return Promise.all(ps.map(async (p) => Float64Array.from(await p.toArray())));
}

function setGrads(ps: readonly Tensor[], step: number): void {
  ps.forEach((p, i) => {
    p.zeroGrad();
    p.grad = keep(tensor(gradFor(step, i, p.size), p.shape));
  });
}

interface RefOpts {
  lr: (t: number) => number;
  b1: number;
  b2: number;
  eps: number;
  wd: number[];
  maxNorm?: number;
}

/** float64 torch.optim.AdamW (+ clip_grad_norm_) over host copies. */
function adamwSteps(
  p: Float64Array[],
  steps: number,
  o: RefOpts,
  firstStep = 1,
  m = p.map((x) => new Float64Array(x.length)),
  v = p.map((x) => new Float64Array(x.length)),
) {
  for (let t = firstStep; t < firstStep + steps; t++) {
    const gs = p.map((x, i) => Float64Array.from(gradFor(t, i, x.length)));
    const clip = clipFactor(norm64(gs), o.maxNorm);
    const lr = o.lr(t - 1);
    p.forEach((x, i) =>
      adamwRef(
        x,
        m[i],
        v[i],
        gs[i].map((g) => g * clip),
        { lr, beta1: o.b1, beta2: o.b2, eps: o.eps, weightDecay: o.wd[i] },
        t,
      ),
    );
  }
  return { m, v };
}

const norm64 = (gs: (Float64Array | null)[]) =>
  Math.sqrt(gs.reduce((s, g) => s + (g ? g.reduce((a, x) => a + x * x, 0) : 0), 0));

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]))))
      expect.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
  }
}

describe('AdamW', () => {
  it('matches a float64 torch.optim.AdamW reference (groups, schedule, clipping, several chunks)', async () => {
    for (const variant of [
      { maxChunkBytes: undefined, maxNorm: undefined },
      { maxChunkBytes: 60, maxNorm: 0.5 },
    ]) {
      const net = new Net();
      const extra = keep(tensor(randArray(7, 3), [7]));
      const schedule = linearSchedule({ lr: 0.05, warmup: 2, total: 6 });
      const opt = new AdamW([net, extra], {
        lr: 0,
        schedule,
        weightDecay: 0.1,
        maxGradNorm: variant.maxNorm,
        maxChunkBytes: variant.maxChunkBytes,
      });
      // params order: decayed (rank >= 2) first, then the rest, in module order
      expect(opt.params[0]).toBe(net.fc.weight);
      expect(opt.params.length).toBe(5);
      if (variant.maxChunkBytes) expect(opt.chunkCount).toBeGreaterThan(2);
      const ps = [...opt.params];
      const host = await hostParams(ps);
      const wd = ps.map((p) => (p.rank >= 2 ? 0.1 : 0));
      for (let t = 1; t <= 4; t++) {
        setGrads(ps, t);
        opt.step();
      }
      const ref = adamwSteps(host, 4, { lr: schedule, b1: 0.9, b2: 0.999, eps: 1e-8, wd, maxNorm: variant.maxNorm });
      const got = await hostParams(ps);
      got.forEach((g, i) => expectNear(g, host[i], 2e-5, `param ${i}`));
      expect(net.fc.weight).toBe(ps[0]); // the model's tensors are updated in place
      if (variant.maxNorm) expect(await opt.lastGradNorm!.item()).toBeGreaterThan(variant.maxNorm);

      // state round trip: a fresh optimizer resumes exactly
      const st = opt.state();
      expect(st.step).toBe(4);
      expectNear(await st.tensors.get('m.0')!.toArray(), ref.m[0], 2e-5, 'm.0');
      const opt2 = new AdamW([net, extra], { lr: 0, schedule, weightDecay: 0.1, maxGradNorm: variant.maxNorm });
      opt2.loadState(st);
      for (const x of st.tensors.values()) x.dispose();
      setGrads(ps, 5);
      opt2.step();
      adamwSteps(
        host,
        1,
        { lr: schedule, b1: 0.9, b2: 0.999, eps: 1e-8, wd, maxNorm: variant.maxNorm },
        5,
        ref.m,
        ref.v,
      );
      (await hostParams(ps)).forEach((g, i) => expectNear(g, host[i], 2e-5, `resumed param ${i}`));
      opt.dispose();
      opt2.dispose();
      net.dispose();
      extra.dispose();
    }
  });

  it('allows a step without gradients and rejects bad options and states by name', () => {
    const net = new Net();
    const opt = new AdamW(net, { lr: 1e-3 });
    opt.step(); // no grads at all: allowed
    expect(() => new AdamW(net, { lr: 1e-3, beta2: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
    const st: OptimizerState = opt.state();
    const bad = new Map(st.tensors);
    bad.set('m.1', tensor(new Float32Array(2), [2]));
    expect(() => opt.loadState({ ...st, tensors: bad })).toThrow(/"m.1" has shape \[2\], expected \[3\]/);
    bad.delete('m.1');
    expect(() => opt.loadState({ ...st, tensors: bad })).toThrow(/missing "m.1"/);
    expect(() => opt.loadState({ ...st, kind: 'SGD' })).toThrow(/state is for SGD/);
    for (const t of st.tensors.values()) t.dispose();
    opt.dispose();
    net.dispose();
  });
});

describe('AdamW: parameters without a gradient (torch skips them)', () => {
  it('leaves them alone (no decay, moments kept) and counts steps per parameter, across chunks and a resume', async () => {
    // 0: a gradient every step; 1: never one (an unused pooler); 2: from step 3 on; 3: steps 1 and 4.
    const shapes = [[3, 4], [2, 3], [5, 2], [4]];
    const has = (t: number, i: number) => i === 0 || (i === 2 && t >= 3) || (i === 3 && (t === 1 || t === 4));
    const ps = shapes.map((s, i) => keep(tensor(randArray(s[0] * (s[1] ?? 1), 50 + i), s)));
    const o = { lr: 0.05, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.1, maxNorm: 2 };
    // Two chunks (60 elements at most each), so the skipped ones split runs inside a chunk.
    const opt = new AdamW([{ params: ps, weightDecay: o.wd }], {
      lr: o.lr,
      beta1: o.b1,
      beta2: o.b2,
      maxGradNorm: o.maxNorm,
      maxChunkBytes: 120,
    });
    expect(opt.chunkCount).toBe(2);
    const host = await hostParams(ps);
    const m = host.map((x) => new Float64Array(x.length)),
      v = host.map((x) => new Float64Array(x.length));
    const count = host.map(() => 0);
    const refStep = (t: number) => {
      const gs = host.map((x, i) => (has(t, i) ? Float64Array.from(gradFor(t, i, x.length)) : null));
      const clip = clipFactor(norm64(gs), o.maxNorm);
      host.forEach((x, i) => {
        const g = gs[i];
        if (g)
          adamwRef(
            x,
            m[i],
            v[i],
            g.map((y) => y * clip),
            { lr: o.lr, beta1: o.b1, beta2: o.b2, eps: o.eps, weightDecay: o.wd },
            ++count[i],
          );
      });
    };
    const gpuStep = (opt: AdamW, t: number) => {
      ps.forEach((p, i) => {
        p.zeroGrad();
        if (has(t, i)) p.grad = keep(tensor(gradFor(t, i, p.size), p.shape));
      });
      opt.step();
      refStep(t);
    };
    const pooler0 = Float64Array.from(host[1]);
    for (let t = 1; t <= 3; t++) gpuStep(opt, t);
    const st = opt.state();
    expect(st.paramSteps).toEqual([3, 0, 1, 1]);
    expectNear(await st.tensors.get('m.1')!.toArray(), new Float64Array(6), 0, 'm.1 (never a gradient)');
    // Resume into a fresh optimizer; step 4 gives parameter 3 its second update (count 2, not 4).
    const opt2 = new AdamW([{ params: ps, weightDecay: o.wd }], {
      lr: o.lr,
      beta1: o.b1,
      beta2: o.b2,
      maxGradNorm: o.maxNorm,
      maxChunkBytes: 120,
    });
    opt2.loadState(st);
    for (const x of st.tensors.values()) x.dispose();
    gpuStep(opt2, 4);
    const got = await hostParams(ps);
    got.forEach((g, i) => expectNear(g, host[i], 2e-5, `param ${i}`));
    expectNear(got[1], pooler0, 0, 'param 1 (never a gradient) is unchanged');
    expect(opt2.state().paramSteps).toEqual([4, 0, 2, 2]);
    // A state without per-parameter counts (saved before them) means every parameter took every step.
    const old = opt2.state();
    delete old.paramSteps;
    opt.loadState(old);
    expect(opt.state().paramSteps).toEqual([4, 4, 4, 4]);
    expect(() => opt.loadState({ ...old, paramSteps: [1, 2] })).toThrow(/paramSteps must be 4 integers in \[0, 4\]/);
    for (const x of old.tensors.values()) x.dispose();
    for (const p of ps) {
      p.zeroGrad();
      p.dispose();
    }
    opt.dispose();
    opt2.dispose();
  });
});

describe('SGD and clipping', () => {
  it('SGD with momentum and L2 decay matches torch.optim.SGD', async () => {
    const w = keep(tensor(randArray(6, 1), [2, 3]));
    const b = keep(tensor(randArray(3, 2), [3]));
    const opt = new SGD([w, b], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    const host = await hostParams([w, b]);
    const buf = host.map((x) => new Float64Array(x.length));
    for (let t = 1; t <= 3; t++) {
      setGrads([w, b], t);
      opt.step();
      host.forEach((x, i) => {
        const g = gradFor(t, i, x.length);
        const wd = i === 0 ? 0.01 : 0;
        for (let j = 0; j < x.length; j++) {
          buf[i][j] = 0.9 * buf[i][j] + g[j] + wd * x[j];
          x[j] -= 0.1 * buf[i][j];
        }
      });
    }
    (await hostParams([w, b])).forEach((g, i) => expectNear(g, host[i], 1e-5, `sgd param ${i}`));
    expect(opt.state().tensors.size).toBe(2);
    opt.dispose();
  });

  it('clipGradNorm scales gradients on the GPU by the global norm', async () => {
    const ps = [keep(tensor([3, 0], [2])), keep(tensor([[0, 4]], [1, 2]))];
    ps[0].grad = keep(tensor([3, 0], [2]));
    ps[1].grad = keep(tensor([[0, 4]], [1, 2]));
    expect(await gradNorm(ps).item()).toBeCloseTo(5, 5);
    const n = clipGradNorm(ps, 1);
    expect(await n.item()).toBeCloseTo(5, 5);
    expect(Array.from(await ps[0].grad!.toArray())).toEqual([expect.closeTo(0.6, 5), 0]);
    expect(Array.from(await ps[1].grad!.toArray())).toEqual([0, expect.closeTo(0.8, 5)]);
    clipGradNorm(ps, 10); // below the limit: unchanged
    expect((await ps[1].grad!.toArray())[1]).toBeCloseTo(0.8, 5);
  });
});
