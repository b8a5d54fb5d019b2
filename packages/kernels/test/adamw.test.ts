import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { adamw, gradNormInto, runtime, type AdamWArgs } from '../src/index.ts';
import { adamwRef, clipFactor } from '../../../test/ref/adamw.ts';

function rand(n: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  });
}
function upload(data: Float32Array): GPUBuffer {
  const b = runtime().alloc(Math.max(4, data.byteLength));
  runtime().write(b, 0, data);
  return b;
}
const read = async (b: GPUBuffer, n: number) => new Float32Array(await runtime().read(b, 0, n * 4));

type Hyper = Pick<AdamWArgs, 'lr' | 'beta1' | 'beta2' | 'eps' | 'weightDecay' | 'gradScale' | 'maxNorm'>;

/** float64 torch.optim.AdamW step (with clip_grad_norm_ on the scaled gradients when maxNorm is set). */
function adamwCpu(p: Float64Array, m: Float64Array, v: Float64Array, g: Float32Array, h: Hyper, step: number): void {
  const gs = h.gradScale ?? 1;
  const clip = clipFactor(gs * Math.sqrt(g.reduce((s, x) => s + x * x, 0)), h.maxNorm);
  adamwRef(
    p,
    m,
    v,
    Float64Array.from(g, (x) => x * gs * clip),
    h,
    step,
  );
}

function expectNear(got: Float32Array, want: Float64Array, tol: number, what: string): void {
  let worst = 0,
    at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (tol * (1 + Math.abs(want[i])));
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  expect(worst, `${what}: element ${at} is ${got[at]}, expected ${want[at]}`).toBeLessThanOrEqual(1);
}

/** Run `steps` steps on one chunk on the GPU and in float64; compare param, m, v. */
async function run(
  n: number,
  h: Hyper,
  steps: number,
  clip: boolean,
  offsets: [number, number, number, number] = [0, 0, 0, 0],
): Promise<void> {
  const rt = runtime();
  const p0 = rand(n, 1);
  // Each range sits at its offset in a larger buffer (what optimizer chunks hand the kernel).
  const at = (x: Float32Array, o: number) => {
    const y = new Float32Array(o + x.length).fill(NaN);
    y.set(x, o);
    return y;
  };
  const [p, m, v] = [
    upload(at(p0, offsets[0])),
    upload(at(new Float32Array(n), offsets[2])),
    upload(at(new Float32Array(n), offsets[3])),
  ];
  const [pc, mc, vc] = [Float64Array.from(p0), new Float64Array(n), new Float64Array(n)];
  const norm = rt.alloc(4);
  for (let t = 1; t <= steps; t++) {
    const g = rand(n, 100 + t, 0.05 * t); // growing grads, so clipping switches on partway
    const gb = upload(at(g, offsets[1]));
    const flat = clip ? upload(g) : null;
    if (flat) gradNormInto([{ buffer: flat, n }], norm);
    adamw({
      param: p,
      grad: gb,
      m,
      v,
      n,
      step: t,
      ...h,
      offsets,
      normBuf: clip ? norm : undefined,
      maxNorm: clip ? h.maxNorm : undefined,
    });
    adamwCpu(pc, mc, vc, g, clip ? h : { ...h, maxNorm: undefined }, t);
    rt.free(gb);
    if (flat) rt.free(flat);
  }
  const region = async (b: GPUBuffer, o: number) => (await read(b, o + n)).subarray(o);
  expectNear(await region(p, offsets[0]), pc, 2e-6, 'param');
  expectNear(await region(m, offsets[2]), mc, 1e-5, 'm');
  expectNear(await region(v, offsets[3]), vc, 1e-5, 'v');
  for (const b of [p, m, v, norm]) rt.free(b);
}

const H: Hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

describe('adamw kernel vs float64 torch.optim.AdamW', () => {
  it('odd sizes, several steps, weight decay and gradScale', async () => {
    for (const n of [1, 255, 257, 1000]) await run(n, H, 5, false);
  });
  it('ranges at offsets: vec4 bulk + scalar tail when 16-byte aligned, scalar otherwise', async () => {
    await run(1003, H, 3, false, [4, 8, 0, 12]);
    await run(1003, H, 3, false, [4, 9, 0, 12]);
    await run(3, H, 2, false, [4, 8, 0, 12]);
    await run(999, { ...H, gradScale: 0.25, weightDecay: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6 }, 4, false);
  });

  it('in-kernel clipping from a norm buffer (no readback), n not a multiple of the workgroup', async () => {
    // sqrt(n)·0.05·t/sqrt(3) ≈ 5.3·t for n = 33333: below maxNorm = 8 at step 1, above from step 2.
    await run(33_333, { ...H, maxNorm: 8 }, 4, true);
    await run(33_333, { ...H, maxNorm: 8, gradScale: 0.5 }, 4, true);
  });

  it('n >= 1M, with clipping', async () => {
    // norm ≈ 29.6·t: clipping starts at step 2.
    await run((1 << 20) + 77, { ...H, maxNorm: 40 }, 3, true);
  });

  it('gradNormInto sums several chunks (odd lengths, an empty chunk) and is exact against float64', async () => {
    const rt = runtime();
    const lens = [1, 4099, 0, 300_001];
    const data = lens.map((n, i) => rand(n, 40 + i));
    const bufs = data.map(upload);
    const out = rt.alloc(4);
    gradNormInto(
      lens.map((n, i) => ({ buffer: bufs[i], n })),
      out,
    );
    let ss = 0;
    for (const d of data) for (const x of d) ss += x * x;
    expect((await read(out, 1))[0]).toBeCloseTo(Math.sqrt(ss), 2);
    expect(Math.abs((await read(out, 1))[0] / Math.sqrt(ss) - 1)).toBeLessThan(1e-5);
    gradNormInto([], out);
    expect((await read(out, 1))[0]).toBe(0);
    for (const b of [...bufs, out]) rt.free(b);
  });

  it('clipping over two chunks uses the global norm', async () => {
    const rt = runtime();
    const n1 = 5001,
      n2 = 7003;
    const h = { ...H, maxNorm: 1 };
    const g = [rand(n1, 7, 0.5), rand(n2, 8, 0.5)];
    const p0 = [rand(n1, 9), rand(n2, 10)];
    const bufs = [0, 1].map((k) => ({
      p: upload(p0[k]),
      g: upload(g[k]),
      m: upload(new Float32Array(g[k].length)),
      v: upload(new Float32Array(g[k].length)),
      n: g[k].length,
    }));
    const norm = rt.alloc(4);
    gradNormInto(
      bufs.map((b) => ({ buffer: b.g, n: b.n })),
      norm,
    );
    for (const b of bufs) adamw({ param: b.p, grad: b.g, m: b.m, v: b.v, n: b.n, step: 1, ...h, normBuf: norm });
    // float64: one flat parameter vector, clipped by the norm over both chunks.
    const pc = Float64Array.from([...p0[0], ...p0[1]]);
    const z = () => new Float64Array(n1 + n2);
    adamwCpu(pc, z(), z(), Float32Array.from([...g[0], ...g[1]]), h, 1);
    expectNear(await read(bufs[0].p, n1), pc.subarray(0, n1), 2e-6, 'chunk 0');
    expectNear(await read(bufs[1].p, n2), pc.subarray(n1), 2e-6, 'chunk 1');
    expect(() => adamw({ param: norm, grad: norm, m: norm, v: norm, n: 1, step: 0, ...H })).toThrow(/1-based/);
    for (const b of bufs) for (const x of [b.p, b.g, b.m, b.v]) rt.free(x);
    rt.free(norm);
  });
});
