// Every production matmul variant against a float64 CPU reference: odd shapes, transposed operands
// (strides, no copies), batches with a broadcast operand, offsets, K not a multiple of 4, thin
// outputs, and the fused bias / GELU epilogue. Each (variant, load modes, epilogue) is one pipeline
// to compile, so the cases are chosen to cover the code paths with few of them. The superseded
// variants are tested in benchmarks/variants/test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, runtime, shutdown } from '../src/index.ts';
import { chooseMatmul, MATMUL_VARIANTS, type MatmulVariant } from '../src/wgsl/matmul.ts';
import { CORE, THIN, check, type Case } from './matmul-ref.ts';

beforeAll(async () => {
  await init();
});
afterAll(shutdown);

// The production kernel on llvmpipe (subgroupShared) and the portable one (direct) run every case;
// tiledShared, a GPU kernel slow to compile and run on llvmpipe (barriers), one case.
const CASES: Record<MatmulVariant, Case[]> = {
  direct: CORE,
  tiledShared: [CORE[2]],
  subgroupShared: [...CORE, ...THIN],
};

describe('matmul variants', () => {
  for (const v of MATMUL_VARIANTS) {
    it(`${v}: odd shapes, transposes, batch, offsets, epilogue`, async () => {
      // needs subgroups of exactly 8 or 16 lanes (llvmpipe; 16 lanes: matmul-wide.test.ts)
      if (v === 'subgroupShared' && ![8, 16].includes(runtime().gpu.info.subgroupSize ?? 0)) return;
      for (const c of CASES[v]) await check(c, v);
    });
  }

  it('batches past the per-dimension workgroup limit are split', async () => {
    await check({ batch: 70000, M: 1, N: 2, K: 3, layout: 'nn', bcastB: true }, 'direct');
  });

  it('the chooser picks a CPU kernel on llvmpipe and tiles on GPUs', () => {
    const big = { batch: 1, M: 512, N: 512, K: 512 };
    const gpu = { isCpu: false, subgroupSize: null },
      llvmpipe = { isCpu: true, subgroupSize: 8 };
    expect(chooseMatmul(big, gpu)).toBe('tiledShared');
    expect(chooseMatmul(big, llvmpipe)).toBe('subgroupShared');
    expect(chooseMatmul(big, { isCpu: true, subgroupSize: null })).toBe('direct');
    // llvmpipe at 512-bit vectors (LP_NATIVE_VECTOR_WIDTH=512): the 16-lane kernel; other widths: direct.
    expect(chooseMatmul(big, { isCpu: true, subgroupSize: 16 })).toBe('subgroupShared');
    expect(chooseMatmul(big, { isCpu: true, subgroupSize: 4 })).toBe('direct');
    expect(chooseMatmul({ batch: 1, M: 5, N: 7, K: 9 }, llvmpipe)).toBe('direct');
    expect(chooseMatmul({ batch: 1, M: 1, N: 3072, K: 768 }, llvmpipe)).toBe('direct');
    expect(chooseMatmul({ batch: 1, M: 4096, N: 2, K: 768 }, llvmpipe)).toBe('subgroupShared');
    expect(runtime().gpu.info.isCpu).toBe(/llvmpipe|lavapipe|swiftshader/i.test(runtime().gpu.info.adapter));
  });

  it('a forced variant the op does not know is named in the error', async () => {
    await expect(check(CORE[0], 'v9')).rejects.toThrow(/matmul: unknown variant, got 'v9'/);
  });
});
