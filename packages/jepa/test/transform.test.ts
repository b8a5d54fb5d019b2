// Language views and `--aux transform` through the trainer: each logs its terms, saves the transform
// head with the checkpoint, and a run stopped at step 2 and resumed ends on the uninterrupted run's
// exact weights (the views are drawn from the step's Rng, a function of seed and step).
import '../../../test/gpu.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensorsFile } from '@jepa/nn';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';

const { dir, cfg } = tinyRun('transform', 6, { steps: 4, warmup: 1, logEvery: 1, dropout: 0.1 });

async function weights(path: string): Promise<Map<string, Float32Array | Int32Array>> {
  const f = await loadSafetensorsFile(path);
  return new Map([...f.tensors].map(([n, t]) => [n, t.data]));
}

function trainRecords(out: string): Record<string, number>[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'train');
}

describe('training with language views', () => {
  const runs: Record<string, Record<string, unknown>> = {
    'views crop,synonym': { views: 'crop,synonym', viewRate: 0.3 },
    'aux transform': { views: 'crop,synonym,hypernym,mask,noise', aux: 'transform', auxWeight: 0.5 },
  };
  for (const [name, over] of Object.entries(runs)) {
    it(`${name}: logs its terms, and stopped then resumed ends on the uninterrupted run's weights`, async () => {
      const full = join(dir, `full-${name}`);
      const part = join(dir, `part-${name}`);
      const a = await train(cfg({ ...over, out: full }), { quiet: true });
      expect(a.stopped).toBe('done');
      expect(Number.isFinite(a.lastEval!.map)).toBe(true);
      await train(cfg({ ...over, out: part }), { quiet: true, stopAfter: 2 });
      const b = await train(cfg({ ...over, out: part, resume: part }), { quiet: true });
      expect(b.lastEval!.map).toBe(a.lastEval!.map);
      for (const f of ['model.safetensors', 'optimizer.safetensors']) {
        const wa = await weights(join(full, 'checkpoint', f));
        const wb = await weights(join(part, 'checkpoint', f));
        expect([...wb.keys()]).toEqual([...wa.keys()]);
        for (const [n, v] of wa) expect(Array.from(wb.get(n)!), `${f} ${n}`).toEqual(Array.from(v));
      }
      const keys = [...(await weights(join(full, 'checkpoint', 'model.safetensors'))).keys()];
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
