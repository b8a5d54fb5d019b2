// Every matmul variant against a float64 CPU reference: odd shapes, transposed operands (strides,
// no copies), batches with a broadcast operand, offsets, K not a multiple of 4, thin outputs, and
// the fused bias / GELU epilogue. Each (variant, load modes, epilogue) is one pipeline to compile,
// so the cases are chosen to cover the code paths with few of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, runtime, shutdown } from '../src/index.ts';
import {
  MATMUL_VARIANTS, chooseMatmul, hasSubgroups8, isCpuAdapter, matmul, type MatmulVariant,
} from '../src/wgsl/matmul.ts';

beforeAll(async () => {
  await init();
});
afterAll(shutdown);

type Layout = 'nn' | 'nt' | 'tn' | 'tt';

interface Case {
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
  const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : -y;
}

function stridesOf(c: Case): { a: [number, number, number]; b: [number, number, number] } {
  const { M, N, K } = c;
  const ta = c.layout[0] === 't', tb = c.layout[1] === 't';
  return {
    a: [M * K, ta ? 1 : K, ta ? M : 1],
    b: [c.bcastB ? 0 : K * N, tb ? 1 : N, tb ? K : 1],
  };
}

async function check(c: Case, variant: MatmulVariant): Promise<void> {
  const rt = runtime();
  const s = stridesOf(c);
  const offA = c.offA ?? 0, offB = c.offB ?? 0;
  const lenA = offA + c.batch * c.M * c.K;
  const lenB = offB + (c.bcastB ? 1 : c.batch) * c.K * c.N;
  const A = rand(lenA, 1 + c.M), B = rand(lenB, 2 + c.N), bias = rand(c.N, 3);
  const up = (x: Float32Array) => {
    const buf = rt.alloc(Math.max(4, x.byteLength));
    rt.write(buf, 0, x);
    return buf;
  };
  const ab = up(A), bb = up(B), biasb = up(bias);
  const out = rt.alloc(c.batch * c.M * c.N * 4);
  matmul({
    a: ab, b: bb, out, batch: c.batch, M: c.M, N: c.N, K: c.K,
    aStrides: s.a, bStrides: s.b, aOffset: offA, bOffset: offB,
    bias: c.bias ? biasb : undefined, gelu: c.gelu, variant,
  });
  const got = new Float32Array(await rt.read(out, 0, c.batch * c.M * c.N * 4));
  for (const b of [ab, bb, biasb, out]) rt.free(b);
  let worst = 0, where = '';
  for (let bt = 0; bt < c.batch; bt++) {
    for (let i = 0; i < c.M; i++) {
      for (let j = 0; j < c.N; j++) {
        let acc = 0, mag = 0;
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
const CORE: Case[] = [
  { batch: 1, M: 1, N: 1, K: 1, layout: 'nn' },
  { batch: 1, M: 33, N: 65, K: 7, layout: 'nn' }, // K % 4 != 0: scalar A, B f4? (N % 4 != 0: scalar)
  { batch: 1, M: 130, N: 68, K: 36, layout: 'nn', bias: true, gelu: true },
  { batch: 3, M: 65, N: 72, K: 20, layout: 'nt', bcastB: true, offA: 4, offB: 8 },
  { batch: 2, M: 36, N: 132, K: 65, layout: 'tn', offA: 3 },
  { batch: 1, M: 7, N: 130, K: 33, layout: 'tt', bias: true },
];
// Thin outputs: v3/v5 run these transposed (lanes along M).
const THIN: Case[] = [
  { batch: 1, M: 130, N: 1, K: 16, layout: 'nt', bias: true },
  { batch: 2, M: 97, N: 3, K: 12, layout: 'nn' },
];

// The production kernel on llvmpipe (v5) and the portable baseline (v1) run every case; the other
// variants a subset that still covers their load modes and epilogues (cold pipeline compiles on
// llvmpipe take seconds each).
const CASES: Record<MatmulVariant, Case[]> = {
  v1: CORE,
  v2: [CORE[2], CORE[4]],
  v3: [CORE[1], CORE[2], CORE[3], CORE[4], THIN[0]],
  v4: [CORE[2]], // a GPU kernel: slow to compile and run on llvmpipe (barriers), one case covers it
  v5: [...CORE, ...THIN],
};

describe('matmul variants', () => {
  for (const v of MATMUL_VARIANTS) {
    it(`${v}: odd shapes, transposes, batch, offsets, epilogue`, async () => {
      if (v === 'v5' && !hasSubgroups8()) return; // needs subgroups of exactly 8 lanes (llvmpipe on AVX2)
      for (const c of CASES[v]) await check(c, v);
    });
  }

  it('batches past the per-dimension workgroup limit are split', async () => {
    await check({ batch: 70000, M: 1, N: 2, K: 3, layout: 'nn', bcastB: true }, 'v1');
  });

  it('the chooser picks a CPU kernel on llvmpipe and tiles on GPUs', () => {
    const big = { batch: 1, M: 512, N: 512, K: 512 };
    expect(chooseMatmul(big, 'NVIDIA H100')).toBe('v4');
    expect(chooseMatmul(big, 'llvmpipe (LLVM 15.0.6, 256 bits)', true)).toBe('v5');
    expect(chooseMatmul(big, 'llvmpipe (LLVM 15.0.6, 256 bits)', false)).toBe('v3');
    expect(chooseMatmul({ batch: 1, M: 5, N: 7, K: 9 }, 'llvmpipe', true)).toBe('v1');
    expect(chooseMatmul({ batch: 1, M: 1, N: 3072, K: 768 }, 'llvmpipe', true)).toBe('v1');
    expect(chooseMatmul({ batch: 1, M: 4096, N: 2, K: 768 }, 'llvmpipe', true)).toBe('v5');
    expect(isCpuAdapter(runtime().gpu.info.adapter)).toBe(/llvmpipe|lavapipe|swiftshader/i.test(runtime().gpu.info.adapter));
  });
});
