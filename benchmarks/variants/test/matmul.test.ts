// The superseded matmul variants against the float64 reference of packages/kernels/test (the cases
// that cover their load modes and epilogues; cold compiles on llvmpipe take seconds each).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { init, shutdown } from '@jepa/kernels';
import { CORE, THIN, check, type Case } from '../../../packages/kernels/test/matmul-ref.ts';
import '../register.ts';

beforeAll(async () => {
  await init();
});
afterAll(shutdown);

const CASES: Record<string, Case[]> = {
  registerBlocked: [CORE[2], CORE[4]],
  registerVec4: [CORE[1], CORE[2], CORE[3], CORE[4], THIN[0]],
};

describe('matmul variants kept for comparison', () => {
  for (const [v, cases] of Object.entries(CASES)) {
    it(`${v}: odd shapes, transposes, batch, offsets, epilogue`, async () => {
      for (const c of cases) await check(c, v);
    });
  }
});
