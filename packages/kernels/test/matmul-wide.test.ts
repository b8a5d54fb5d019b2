// The subgroup matmul at 16 lanes: llvmpipe with LP_NATIVE_VECTOR_WIDTH=512 (AVX-512 CPUs) runs
// subgroups of 16, which the default test process (256-bit, subgroups of 8) never sees. Mesa reads
// the variable when the driver creates its device, so it is set here before init(); vitest runs each
// file in its own process, so no other file inherits it. Where the CPU has no AVX-512 (or the
// adapter is not llvmpipe) the width stays as it was and the cases are skipped; on an AVX-512 CPU a
// width other than 16 is a failure, so CI on such a machine always runs the 16-lane kernel.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, runtime, shutdown } from '../src/index.ts';
import { chooseMatmul } from '../src/wgsl/matmul.ts';
import { CORE, THIN, check } from './matmul-ref.ts';

const avx512 = (() => {
  try {
    return /^flags\s*:.*\bavx512f\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
})();

beforeAll(async () => {
  process.env.LP_NATIVE_VECTOR_WIDTH = '512';
  await init();
});
afterAll(shutdown);

const isLlvmpipe = () => /llvmpipe|lavapipe/i.test(runtime().gpu.info.adapter);

describe('matmul at 16 lanes (LP_NATIVE_VECTOR_WIDTH=512)', () => {
  it('an AVX-512 CPU under llvmpipe gets subgroups of 16', ({ skip }) => {
    if (!avx512 || !isLlvmpipe()) skip();
    expect(runtime().gpu.info.subgroupSize).toBe(16);
    expect(chooseMatmul({ batch: 1, M: 512, N: 512, K: 512 }, runtime().gpu.info)).toBe('subgroupShared');
  });

  it('subgroupShared (16 lanes): odd shapes, transposes, batch, offsets, epilogue, thin outputs', async ({ skip }) => {
    if (runtime().gpu.info.subgroupSize !== 16) skip();
    for (const c of [...CORE, ...THIN]) await check(c, 'subgroupShared');
    // M just past a 16-row block, K % 4 != 0 (scalar A: 4R/16 loads per lane); f4 operands over two row blocks.
    await check({ batch: 1, M: 17, N: 70, K: 9, layout: 'nn', bias: true }, 'subgroupShared');
    await check({ batch: 2, M: 100, N: 130, K: 40, layout: 'tn' }, 'subgroupShared');
  });
});
