import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { checkOp, expectClose, randArray, vjpCheck } from './helpers.ts';

const { tensor } = T;

describe('creation and views', () => {
  it('round-trips data and reports shape errors by name', async () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(await t.toArray())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await t.T.toNested()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    expect(() => t.reshape([4])).toThrow(/reshape: cannot reshape \[2, 3\]/);
    expect(() => t.add(tensor([1, 2]))).toThrow(/add: shapes \[2, 3\] and \[2\] cannot be broadcast/);
    expect(() => t.matmul(tensor([[1, 2]]))).toThrow(/matmul: inner dimensions differ: \[2, 3\] @ \[1, 2\]/);
  });

  it('a disposed tensor used again names the op', () => {
    const t = tensor([1, 2, 3]).setName('weights');
    t.dispose();
    expect(() => t.exp()).toThrow(/exp: tensor "weights" f32\[3\] .* was disposed/);
  });

  it('an allocation above the device limit names the limit', () => {
    // One element past the adapter's limit (128 MiB on lavapipe, 1 GiB on SwiftShader).
    const max = T.runtime().limits.maxStorageBufferBindingSize!;
    expect(() => T.zeros([Math.floor(max / 4) + 1])).toThrow(/maxStorageBufferBindingSize/);
    // As a BufferLimitError with its sizes, so a trainer can name the option that sized it.
    const e = (() => {
      try {
        T.zeros([3, Math.floor(max / 4) + 1]);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(T.BufferLimitError);
    expect((e as T.BufferLimitError).bytes).toBe(4 * 3 * (Math.floor(max / 4) + 1));
    expect((e as T.BufferLimitError).limit).toBe(max);
  });

  it('slices, permutes, expands without copies and copies on contiguous()', async () => {
    const x = tensor(
      Float32Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    const s = x.slice(2, 1, 3); // [2,3,2]
    expect(s.storage).toBe(x.storage);
    expect(Array.from(await s.toArray())).toEqual([1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22]);
    const p = x.permute([2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(Array.from(await p.contiguous().toArray()).slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
    const e = tensor([1, 2]).reshape([2, 1]).expand([2, 3]);
    expect(Array.from(await e.toArray())).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(await T.arange(5).toArray())).toEqual([0, 1, 2, 3, 4]);
  });

  it('handles a large (>1M) elementwise op across a 2-D grid', async () => {
    const n = (1 << 20) * 17 + 3;
    const a = T.full([n], 2);
    const b = a.mul(a).add(1);
    const r = await b.toArray();
    expect(r[0]).toBe(5);
    expect(r[n - 1]).toBe(5);
    expect(await T.sum(b).item()).toBeCloseTo(5 * n, -3);
  });

  it('takes the vec4 path for contiguous lengths divisible by 4, with per-lane results', async () => {
    const n = 4 * 1031;
    const x = randArray(n, 2),
      y = randArray(n, 2);
    const a = tensor(x),
      b = tensor(y);
    const sum = await a.add(b).toArray();
    const gt = await a.gt(b).toArray();
    const g = await a.gelu().toArray();
    for (let i = 0; i < n; i++) {
      expect(sum[i]).toBe(Math.fround(Math.fround(x[i]) + Math.fround(y[i])));
      expect(gt[i]).toBe(Math.fround(x[i]) > Math.fround(y[i]) ? 1 : 0);
      expect(g[i]).toBeCloseTo(0.5 * x[i] * (1 + erf(x[i] / Math.SQRT2)), 5);
    }
    const ids = await tensor(Int32Array.from({ length: 8 }, (_, i) => i - 3))
      .mul(2)
      .toArray();
    expect(Array.from(ids)).toEqual([-6, -4, -2, 0, 2, 4, 6, 8]);
    expect(() => tensor(Int32Array.from([1, 2])).mul(0.5)).toThrow(/mul: scalar 0.5 with Tensor\(i32\[2\]\)/);
  });

  it('random streams are reproducible for a seed', async () => {
    T.manualSeed(42);
    const a = await T.randn([1000]).toArray();
    T.manualSeed(42);
    const b = await T.randn([1000]).toArray();
    expect(Array.from(a)).toEqual(Array.from(b));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const v = a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(v - 1)).toBeLessThan(0.15);
    const c = await T.bernoulli([4000], 0.25).toArray();
    expect(Math.abs(c.reduce((s, x) => s + x, 0) / 4000 - 0.25)).toBeLessThan(0.03);
  });
});

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const erf = (x: number) => {
  // float64 erf via a high-precision series/continued fraction is overkill here; A&S 7.1.26 suffices at 1e-7
  const s = Math.sign(x),
    a = Math.abs(x),
    t = 1 / (1 + 0.3275911 * a);
  return (
    s *
    (1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Math.exp(-a * a))
  );
};
const UNARY_REF: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  abs: Math.abs,
  square: (x) => x * x,
  relu: (x) => Math.max(x, 0),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  sigmoid: sig,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
};
const POSITIVE_REF: Record<string, (x: number) => number> = {
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
};

describe('unary ops: forward vs CPU, gradient vs float64 finite differences', () => {
  // abs and relu keep away from their kink at 0; the POSITIVE_REF ops get inputs in [0.5, 1.5).
  const cases = [
    ...Object.entries(UNARY_REF).map(([name, f]) => ({
      name,
      f,
      shape: [3, 37],
      data:
        name === 'abs' || name === 'relu'
          ? [randArray(111, 5).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v))]
          : undefined,
    })),
    ...Object.entries(POSITIVE_REF).map(([name, f]) => ({
      name,
      f,
      shape: [5, 7],
      data: [randArray(35, 9).map((v) => Math.abs(v) + 0.5)],
    })),
  ];
  for (const { name, f, shape, data } of cases) {
    it(name, async () => {
      await checkOp({
        shapes: [shape],
        gpu: (x) => (T as unknown as Record<string, (t: T.Tensor) => T.Tensor>)[name](x),
        cpu: ([x]) => x.map(f),
        data,
      });
    });
  }
});

function bcast(
  a: Float64Array,
  as: number[],
  b: Float64Array,
  bs: number[],
  out: number[],
  f: (x: number, y: number) => number,
): Float64Array {
  const n = out.reduce((p, q) => p * q, 1);
  const r = new Float64Array(n);
  const idx = (s: number[], coords: number[]) => {
    let o = 0;
    const off = out.length - s.length;
    for (let d = 0; d < s.length; d++) o = o * s[d] + (s[d] === 1 ? 0 : coords[d + off]);
    return o;
  };
  for (let i = 0; i < n; i++) {
    const c: number[] = [];
    let rem = i;
    for (let d = out.length - 1; d >= 0; d--) {
      c[d] = rem % out[d];
      rem = Math.floor(rem / out[d]);
    }
    r[i] = f(a[idx(as, c)], b[idx(bs, c)]);
  }
  return r;
}

describe('binary ops with broadcasting', () => {
  const cases: [string, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y],
    ['sub', (x, y) => x - y],
    ['mul', (x, y) => x * y],
    ['div', (x, y) => x / y],
    ['maximum', Math.max],
    ['minimum', Math.min],
  ];
  for (const [name, f] of cases) {
    it(`${name} [4,1,5] with [3,1]`, async () => {
      const as = [4, 1, 5],
        bs = [3, 1],
        out = [4, 3, 5];
      await checkOp({
        shapes: [as, bs],
        gpu: (a, b) => (T as unknown as Record<string, (x: T.Tensor, y: T.Tensor) => T.Tensor>)[name](a, b),
        cpu: ([a, b]) => bcast(a, as, b, bs, out, f),
        data: name === 'div' ? [undefined, randArray(3, 4).map((v) => v + Math.sign(v) * 0.5)] : undefined,
      });
    });
  }
  it('pow with a scalar exponent and scalar operands', async () => {
    await checkOp({
      shapes: [[6, 1]],
      gpu: (a) => a.pow(3).mul(2).sub(1),
      cpu: ([a]) => a.map((v) => 2 * v ** 3 - 1),
    });
  });
  it('comparisons, where and clamp', async () => {
    const a = tensor([1, 5, 3]),
      b = tensor([2, 5, 1]);
    expect(Array.from(await a.lt(b).toArray())).toEqual([1, 0, 0]);
    expect(Array.from(await a.ge(3).toArray())).toEqual([0, 1, 1]);
    expect(Array.from(await T.where(a.gt(b), a, b).toArray())).toEqual([2, 5, 3]);
    await checkOp({
      shapes: [[20]],
      gpu: (x) => x.clamp(-0.5, 0.3),
      cpu: ([x]) => x.map((v) => Math.min(Math.max(v, -0.5), 0.3)),
    });
    const ids = tensor(Int32Array.from([3, 1, 3]));
    expect(Array.from(await ids.eq(3).toArray())).toEqual([1, 0, 1]);
  });
});

describe('reductions', () => {
  const shape = [3, 4, 5];
  const cpuReduce = (x: Float64Array, axes: number[], f: 'sum' | 'mean' | 'max') => {
    const out: number[] = [];
    const kept = [0, 1, 2].filter((d) => !axes.includes(d));
    const keptShape = kept.map((d) => shape[d]);
    const n = keptShape.reduce((a, b) => a * b, 1);
    for (let o = 0; o < n; o++) {
      const kc: number[] = [];
      let rem = o;
      for (let j = kept.length - 1; j >= 0; j--) {
        kc[j] = rem % keptShape[j];
        rem = Math.floor(rem / keptShape[j]);
      }
      let acc = f === 'max' ? -Infinity : 0,
        cnt = 0;
      for (let i = 0; i < 60; i++) {
        const c = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5];
        if (kept.every((d, j) => c[d] === kc[j])) {
          acc = f === 'max' ? Math.max(acc, x[i]) : acc + x[i];
          cnt++;
        }
      }
      out.push(f === 'mean' ? acc / cnt : acc);
    }
    return Float64Array.from(out);
  };
  for (const axes of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) {
    for (const f of ['sum', 'mean', 'max'] as const) {
      it(`${f} over ${JSON.stringify(axes)}`, async () => {
        await checkOp({ shapes: [shape], gpu: (x) => x[f](axes), cpu: ([x]) => cpuReduce(x, axes, f) });
      });
    }
  }
  // Few long rows take the split path (lane partials, then a workgroup per row); vec4 loads
  // when the row length is a multiple of 4.
  for (const [rows, len] of [
    [1, 65536],
    [3, 40001],
    [2, 16384 * 3 + 4],
  ] as const) {
    it(`sum/mean/max/min over long rows [${rows}, ${len}]`, async () => {
      const x = randArray(rows * len, 3);
      const t = tensor(x, [rows, len]);
      const got = {
        sum: await t.sum(1).toArray(),
        mean: await t.mean(1).toArray(),
        max: await t.max(1).toArray(),
        min: await t.min(1).toArray(),
      };
      for (let r = 0; r < rows; r++) {
        let s = 0,
          mx = -Infinity,
          mn = Infinity;
        for (let i = r * len; i < (r + 1) * len; i++) {
          s += x[i];
          mx = Math.max(mx, x[i]);
          mn = Math.min(mn, x[i]);
        }
        expect(Math.abs(got.sum[r] - s)).toBeLessThan(1e-5 * len);
        expect(got.mean[r]).toBeCloseTo(s / len, 4);
        expect(got.max[r]).toBe(Math.fround(mx));
        expect(got.min[r]).toBe(Math.fround(mn));
      }
      t.dispose();
    });
  }
  it('var (unbiased, keepdim) and its gradient', async () => {
    await vjpCheck((x) => x.var(1, { keepdim: true }), [[4, 9]]);
    const x = randArray(36, 2);
    const got = await tensor(x, [4, 9]).var(1).toArray();
    for (let r = 0; r < 4; r++) {
      const row = Array.from(x.slice(r * 9, r * 9 + 9));
      const m = row.reduce((a, b) => a + b) / 9;
      expect(got[r]).toBeCloseTo(row.reduce((a, b) => a + (b - m) ** 2, 0) / 8, 5);
    }
  });
});

describe('matmul', () => {
  const mm = (a: Float64Array, b: Float64Array, B: number, M: number, K: number, N: number, bBatch = true) => {
    const out = new Float64Array(B * M * N);
    for (let z = 0; z < B; z++)
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a[z * M * K + i * K + k] * b[(bBatch ? z * K * N : 0) + k * N + j];
          out[z * M * N + i * N + j] = s;
        }
    return out;
  };
  it('2-D, odd shapes', async () => {
    await checkOp({
      shapes: [
        [13, 7],
        [7, 9],
      ],
      gpu: (a, b) => a.matmul(b),
      cpu: ([a, b]) => mm(a, b, 1, 13, 7, 9),
    });
  });
  it('size-1 dims', async () => {
    await checkOp({
      shapes: [
        [1, 5],
        [5, 1],
      ],
      gpu: (a, b) => a.matmul(b),
      cpu: ([a, b]) => mm(a, b, 1, 1, 5, 1),
    });
  });
  it('batched, with broadcast weight [B,M,K] @ [K,N]', async () => {
    await checkOp({
      shapes: [
        [3, 5, 6],
        [6, 4],
      ],
      gpu: (a, b) => a.matmul(b),
      cpu: ([a, b]) => mm(a, b, 3, 5, 6, 4, false),
    });
  });
  it('batched both sides, transposed operand as a view', async () => {
    await checkOp({
      shapes: [
        [2, 5, 6],
        [2, 4, 6],
      ],
      gpu: (a, b) => a.matmul(b.transpose(-1, -2)),
      cpu: ([a, b]) => {
        const bt = new Float64Array(48);
        for (let z = 0; z < 2; z++)
          for (let n = 0; n < 4; n++) for (let k = 0; k < 6; k++) bt[z * 24 + k * 4 + n] = b[z * 24 + n * 6 + k];
        return mm(a, bt, 2, 5, 6, 4);
      },
    });
  });
  it('VJP on the GPU path for a 2-layer MLP', async () => {
    await vjpCheck(
      (x, w1, w2) => T.linear(x, w1).gelu().matmul(w2),
      [
        [8, 10],
        [16, 10],
        [16, 3],
      ],
    );
  });
});

describe('memory', () => {
  it('tidy frees intermediates and keeps what it returns', async () => {
    const rt = T.runtime();
    const x = tensor(randArray(1000, 1));
    const before = rt.stats().liveBuffers;
    const y = T.tidy(() => x.exp().add(1).mul(x).sum());
    expect(rt.stats().liveBuffers).toBe(before + 1);
    expect(Number.isFinite(await y.item())).toBe(true);
  });

  it('GPU memory stays flat over 1000 steps of a small training loop', async () => {
    const rt = T.runtime();
    const w = T.keep(T.randn([16, 8], 0, 0.1).requireGrad());
    const x = tensor(randArray(32 * 8, 3), [32, 8]);
    const target = tensor(randArray(32 * 16, 4), [32, 16]);
    const step = () => {
      T.tidy(() => {
        const loss = T.linear(x, w).sub(target).square().mean();
        loss.backward();
        const nw = T.noGrad(() => w.sub(w.grad!.mul(0.1)));
        // Copy the update into w's storage so parameters keep their buffers.
        rt.copy(nw.buffer, 0, w.buffer, 0, w.size * 4);
        w.zeroGrad();
      });
    };
    for (let i = 0; i < 10; i++) step();
    const live = rt.stats().liveBytes;
    const created = rt.stats().created;
    for (let i = 0; i < 990; i++) step();
    await rt.sync();
    // Nothing new from the driver, and nothing more in use (earlier tests' garbage may be freed meanwhile).
    expect(rt.stats().created).toBe(created);
    expect(rt.stats().liveBytes).toBeLessThanOrEqual(live);
    const loss = await T.tidy(() => T.linear(x, w).sub(target).square().mean()).item();
    expect(loss).toBeLessThan(0.5);
  });
});

describe('record owns the tensors a backward saves', () => {
  const live = () => T.runtime().stats().liveBuffers;
  // Each case makes its inputs, read through transposed views so the ops also save contiguous
  // copies, and returns every tensor it made besides the outputs.
  const cases: Record<string, (grad: boolean) => { made: T.Tensor[]; outs: T.Tensor[] }> = {
    layerNorm: (grad) => {
      const x = tensor(randArray(6 * 5, 1), [6, 5]).requireGrad(grad),
        xt = x.T;
      const w = tensor(randArray(6, 2)),
        b = tensor(randArray(6, 3));
      return { made: [x, xt, w, b], outs: [T.layerNorm(xt, w, b)] };
    },
    attention: (grad) => {
      const q = tensor(randArray(2 * 3 * 4, 4), [1, 2, 4, 3]).requireGrad(grad),
        qt = q.transpose(2, 3);
      const k = tensor(randArray(2 * 5 * 4, 5), [1, 2, 5, 4]);
      const mask = tensor([1, 1, 0, 1, 1], [1, 5]);
      return { made: [q, qt, k, mask], outs: [T.attention(qt, k, k, { keyMask: mask })] };
    },
    vicregStats: (grad) => {
      const z = tensor(randArray(7 * 4, 6), [7, 4]).requireGrad(grad),
        zt = z.T;
      const { std, cov } = T.vicregStats(zt);
      return { made: [z, zt], outs: [std, cov] };
    },
    crossEntropy: (grad) => {
      const x = tensor(randArray(4 * 3, 7), [4, 3]).requireGrad(grad),
        xt = x.T;
      const t = tensor([0, 2, 1], [3], 'i32');
      return { made: [x, xt, t], outs: [T.crossEntropy(xt, t)] };
    },
  };
  const storages = (ts: T.Tensor[]) => new Set(ts.map((t) => t.storage)).size;
  for (const [op, make] of Object.entries(cases)) {
    it(`${op}: freed at once without a tape, after backward with one`, () => {
      const before = live();
      const a = make(false);
      // Only the inputs and the outputs hold buffers.
      expect(live()).toBe(before + storages(a.made) + a.outs.length);
      for (const t of [...a.made, ...a.outs]) t.dispose();
      expect(live()).toBe(before);

      const b = make(true);
      expect(live()).toBeGreaterThan(before + storages(b.made) + b.outs.length);
      T.tidy(() =>
        b.outs
          .map((o) => o.sum())
          .reduce((s, o) => s.add(o))
          .backward(),
      );
      for (const t of [...b.made, ...b.outs]) {
        t.zeroGrad();
        t.dispose();
      }
      expect(live()).toBe(before);
    });
  }
});

describe('readme example', () => {
  it('expects closeness helper to fail on mismatch', () => {
    expect(() => expectClose([1, 2], [1, 2.1], 1e-3, 1e-3)).toThrow();
  });
});
