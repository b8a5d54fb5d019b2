// Test utilities: seeded data, CPU references in float64, and the two gradient checks every op
// passes — analytic GPU gradients against float64 finite differences of the CPU reference, and a
// random-direction VJP check on the GPU path alone.
import { expect } from 'vitest';
import { type Tensor, tensor, tidy } from '../src/index.ts';

/** Deterministic uniform(-1, 1) data (mulberry32). */
export function rng(seed = 1): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function randArray(n: number, seed = 1, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
}

export const numelOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-5,
  what = 'value',
): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0,
    worstI = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(err <= worst) || Number.isNaN(got[i]) !== Number.isNaN(want[i])) {
      worst = Number.isNaN(err) ? Infinity : err;
      worstI = i;
    }
  }
  if (worstI >= 0) {
    expect.fail(`${what}: element ${worstI} is ${got[worstI]}, expected ${want[worstI]} (rtol ${rtol}, atol ${atol})`);
  }
}

export type CpuFn = (xs: Float64Array[]) => Float64Array;

/** Central finite-difference gradient of sum(f(x) * u) in float64. */
export function fdGrad(f: CpuFn, xs: Float64Array[], u: Float64Array, eps = 1e-6): Float64Array[] {
  return xs.map((x, k) => {
    const g = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const orig = x[i];
      x[i] = orig + eps;
      const fp = f(xs);
      x[i] = orig - eps;
      const fm = f(xs);
      x[i] = orig;
      let s = 0;
      for (let j = 0; j < u.length; j++) s += (fp[j] - fm[j]) * u[j];
      g[i] = s / (2 * eps);
    }
    void k;
    return g;
  });
}

export interface GradCase {
  shapes: number[][];
  gpu: (...xs: Tensor[]) => Tensor;
  cpu: CpuFn;
  seed?: number;
  rtol?: number;
  atol?: number;
  /** Inputs that get no gradient check (e.g. masks). */
  constant?: number[];
  /** Custom input data per index. */
  data?: (Float32Array | undefined)[];
}

/** Forward against the CPU reference, then GPU backward against float64 finite differences. */
export async function checkOp(c: GradCase): Promise<void> {
  const rtol = c.rtol ?? 2e-4,
    atol = c.atol ?? 2e-4;
  const xs32 = c.shapes.map((s, i) => c.data?.[i] ?? randArray(numelOf(s), (c.seed ?? 7) + i));
  const xs64 = xs32.map((x) => Float64Array.from(x));
  const want = c.cpu(xs64);
  const u = Float64Array.from(randArray(want.length, 99));
  const tensors = xs32.map((x, i) => tensor(x, c.shapes[i]).requireGrad(!c.constant?.includes(i)));
  const out = c.gpu(...tensors);
  expectClose(await out.toArray(), want, rtol, atol, 'forward');
  tidy(() =>
    out
      .mul(tensor(Float32Array.from(u), out.shape))
      .sum()
      .backward(),
  );
  const fd = fdGrad(c.cpu, xs64, u);
  for (let i = 0; i < tensors.length; i++) {
    if (c.constant?.includes(i)) continue;
    const g = tensors[i].grad;
    expect(g, `input ${i} has a gradient`).not.toBeNull();
    expectClose(await g!.toArray(), fd[i], rtol * 10, atol * 10, `grad of input ${i}`);
  }
  for (const t of [...tensors, out]) {
    t.grad?.dispose();
    t.dispose();
  }
}

/** <J·v, u> from backward vs a central difference of <f(x + εv), u>, all on the GPU in f32. */
export async function vjpCheck(
  f: (...xs: Tensor[]) => Tensor,
  shapes: number[][],
  opts: { seed?: number; eps?: number; rtol?: number; data?: (Float32Array | undefined)[]; constant?: number[] } = {},
): Promise<void> {
  const eps = opts.eps ?? 1e-2;
  const xs = shapes.map((s, i) => opts.data?.[i] ?? randArray(numelOf(s), (opts.seed ?? 3) + i));
  const vs = shapes.map((s, i) =>
    opts.constant?.includes(i) ? new Float32Array(numelOf(s)) : randArray(numelOf(s), 50 + i),
  );
  const inputs = xs.map((x, i) => tensor(x, shapes[i]).requireGrad(!opts.constant?.includes(i)));
  const out = f(...inputs);
  const u = randArray(out.size, 77);
  const ut = tensor(u, out.shape);
  tidy(() => out.mul(ut).sum().backward());
  let analytic = 0;
  for (let i = 0; i < inputs.length; i++) {
    if (opts.constant?.includes(i)) continue;
    const g = await inputs[i].grad!.toArray();
    for (let j = 0; j < g.length; j++) analytic += g[j] * vs[i][j];
  }
  const at = async (sgn: number) =>
    tidy(() => {
      const shifted = xs.map((x, i) =>
        tensor(
          x.map((v, j) => v + sgn * eps * vs[i][j]),
          shapes[i],
        ),
      );
      return f(...shifted)
        .mul(ut)
        .sum();
    }).item();
  const numeric = ((await at(1)) - (await at(-1))) / (2 * eps);
  for (const t of [...inputs, out, ut]) {
    t.grad?.dispose();
    t.dispose();
  }
  const tol = (opts.rtol ?? 2e-2) * Math.max(1, Math.abs(numeric));
  expect(Math.abs(analytic - numeric), `VJP: analytic ${analytic} vs numeric ${numeric}`).toBeLessThanOrEqual(tol);
}
