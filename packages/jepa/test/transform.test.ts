// Language views and `--aux transform` through the trainer: each logs its terms, saves the transform
// head with the checkpoint, and a run stopped at step 2 and resumed ends on the uninterrupted run's
// exact weights (the views are drawn from the step's Rng, a function of seed and step).
import '../../../test/gpu.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExactResume, savedTensors, tinyRun, trainRecords } from './tiny-run.ts';

const { dir, cfg } = tinyRun('transform', 6, { steps: 4, warmup: 1, logEvery: 1, dropout: 0.1 });

describe('training with language views', () => {
  const runs: Record<string, Record<string, unknown>> = {
    'views crop,synonym': { views: 'crop,synonym', viewRate: 0.3 },
    'aux transform': { views: 'crop,synonym,hypernym,mask,noise', aux: 'transform', auxWeight: 0.5 },
  };
  for (const [name, over] of Object.entries(runs)) {
    it(`${name}: logs its terms, and stopped then resumed ends on the uninterrupted run's weights`, async () => {
      const { full, part } = await expectExactResume(cfg, over, join(dir, name));
      const keys = [...(await savedTensors(join(full, 'checkpoint', 'model.safetensors'))).keys()];
      expect(keys.some((k) => k.startsWith('transform.'))).toBe('aux' in over);
      expect(trainRecords(part)).toHaveLength(4);
      for (const r of trainRecords(full)) {
        if ('aux' in over) {
          expect(r.loss).toBeCloseTo(r.vicreg + 0.5 * r.transform, 3);
          expect(r.transform).toBeGreaterThan(0);
          expect(r.transformAcc).toBeGreaterThanOrEqual(0);
          expect(r.transformAcc).toBeLessThanOrEqual(1);
        } else {
          expect(r.transform).toBeUndefined();
          expect(Number.isFinite(r.inv)).toBe(true);
        }
      }
    }, 600_000); // three training runs
  }
});
