// The float64 matmul reference every variant is checked against, with the cases that cover the
// kernels' code paths (shared by this package's tests and benchmarks/variants' tests).
import { expect } from 'vitest';
import { forceVariant, runtime } from '../src/index.ts';
import { matmul } from '../src/wgsl/matmul.ts';

export type Layout = 'nn' | 'nt' | 'tn' | 'tt';

export interface Case {
  batch: number;
  M: number;
  N: number;
  K: number;
  layout: Layout;
  /** B shared by every batch (batch stride 0) */
  bcastB?: boolean;
  /** element offsets of A and B inside their buffers */
  offA?: number;
  offB?: number;
  bias?: boolean;
  gelu?: boolean;
}

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  });
}

function erf(x: number): number {
  // float64 erf (Abramowitz–Stegun 7.1.26 is what the kernel uses; compare with a tolerance)
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    1 -
    t *
      Math.exp(
        -x * x -
          1.26551223 +
          t *
            (1.00002368 +
              t *
                (0.37409196 +
                  t *
                    (0.09678418 +
                      t *
                        (-0.18628806 +
                          t *
                            (0.27886807 +
                              t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
  return x >= 0 ? y : -y;
}

function stridesOf(c: Case): { a: [number, number, number]; b: [number, number, number] } {
  const { M, N, K } = c;
  const ta = c.layout[0] === 't',
    tb = c.layout[1] === 't';
  return {
    a: [M * K, ta ? 1 : K, ta ? M : 1],
    b: [c.bcastB ? 0 : K * N, tb ? 1 : N, tb ? K : 1],
  };
}

/** Runs `c` on `variant` (forced) and compares with float64. */
export async function check(c: Case, variant: string): Promise<void> {
  const rt = runtime();
  const s = stridesOf(c);
  const offA = c.offA ?? 0,
    offB = c.offB ?? 0;
  const lenA = offA + c.batch * c.M * c.K;
  const lenB = offB + (c.bcastB ? 1 : c.batch) * c.K * c.N;
  const A = rand(lenA, 1 + c.M),
    B = rand(lenB, 2 + c.N),
    bias = rand(c.N, 3);
  const up = (x: Float32Array) => {
    const buf = rt.alloc(Math.max(4, x.byteLength));
    rt.write(buf, 0, x);
    return buf;
  };
  const ab = up(A),
    bb = up(B),
    biasb = up(bias);
  const out = rt.alloc(c.batch * c.M * c.N * 4);
  forceVariant('matmul', variant);
  try {
    matmul({
      a: ab,
      b: bb,
      out,
      batch: c.batch,
      M: c.M,
      N: c.N,
      K: c.K,
      aStrides: s.a,
      bStrides: s.b,
      aOffset: offA,
      bOffset: offB,
      bias: c.bias ? biasb : undefined,
      gelu: c.gelu,
    });
  } finally {
    forceVariant('matmul', null);
  }
  const got = new Float32Array(await rt.read(out, 0, c.batch * c.M * c.N * 4));
  for (const b of [ab, bb, biasb, out]) rt.free(b);
  let worst = 0,
    where = '';
  for (let bt = 0; bt < c.batch; bt++) {
    for (let i = 0; i < c.M; i++) {
      for (let j = 0; j < c.N; j++) {
        let acc = 0,
          mag = 0;
        for (let k = 0; k < c.K; k++) {
          const x = A[offA + bt * s.a[0] + i * s.a[1] + k * s.a[2]] * B[offB + bt * s.b[0] + k * s.b[1] + j * s.b[2]];
          acc += x;
          mag += Math.abs(x);
        }
        if (c.bias) acc += bias[j];
        if (c.gelu) acc = 0.5 * acc * (1 + erf(acc / Math.SQRT2));
        const g = got[bt * c.M * c.N + i * c.N + j];
        const err = Math.abs(g - acc) / (1e-5 + 1e-5 * (mag + Math.abs(acc)));
        if (!(err <= worst)) {
          worst = Number.isNaN(err) ? Infinity : err;
          where = `[${bt},${i},${j}] got ${g}, want ${acc}`;
        }
      }
    }
  }
  expect(worst, `${variant} ${JSON.stringify(c)}: worst ${where}`).toBeLessThan(5);
}

// Shapes around the lane blocks (v5: 16 rows × 8 lanes·8 columns; v3: 8×8 per lane) and the
// vec4 / K % 4 paths. Layouts pick the load modes: nn -> A k4, B f4; nt -> k4/k4; tn -> f4/f4.
export const CORE: Case[] = [
  { batch: 1, M: 1, N: 1, K: 1, layout: 'nn' },
  { batch: 1, M: 33, N: 65, K: 7, layout: 'nn' }, // K % 4 != 0: scalar A, B f4? (N % 4 != 0: scalar)
  { batch: 1, M: 130, N: 68, K: 36, layout: 'nn', bias: true, gelu: true },
  { batch: 3, M: 65, N: 72, K: 20, layout: 'nt', bcastB: true, offA: 4, offB: 8 },
  { batch: 2, M: 36, N: 132, K: 65, layout: 'tn', offA: 3 },
  { batch: 1, M: 7, N: 130, K: 33, layout: 'tt', bias: true },
];
// Thin outputs: v3/v5 run these transposed (lanes along M).
export const THIN: Case[] = [
  { batch: 1, M: 130, N: 1, K: 16, layout: 'nt', bias: true },
  { batch: 2, M: 97, N: 3, K: 12, layout: 'nn' },
];
