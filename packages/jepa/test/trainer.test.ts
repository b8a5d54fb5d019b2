// End-to-end trainer checks on a tiny budget: every objective runs and writes its outputs, a run
// interrupted and resumed matches an uninterrupted one, and bad input fails by name.
import '../../../test/gpu.ts';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensorsFile } from '@jepa/nn';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';
import { loadEncoder } from '../src/model/load.ts';
import { RECIPES } from '../src/train/config.ts';

const { dir, cfg } = tinyRun('trainer', 6, { steps: 6, warmup: 1, logEvery: 1, dropout: 0.1 });

async function weights(path: string): Promise<Map<string, Float32Array | Int32Array>> {
  const f = await loadSafetensorsFile(path);
  return new Map([...f.tensors].map(([n, t]) => [n, t.data]));
}

describe('trainer', () => {
  it('resuming after an interruption matches an uninterrupted run exactly', async () => {
    const full = join(dir, 'full'),
      part = join(dir, 'part');
    const a = await train(cfg({ out: full }), { quiet: true });
    expect(a.stopped).toBe('done');
    const b1 = await train(cfg({ out: part }), { quiet: true, stopAfter: 3 });
    expect(b1.stopped).toBe('requested');
    expect(b1.steps).toBe(3);
    const b2 = await train(cfg({ out: part, resume: part }), { quiet: true });
    expect(b2.stopped).toBe('done');
    const wa = await weights(join(full, 'checkpoint', 'model.safetensors'));
    const wb = await weights(join(part, 'checkpoint', 'model.safetensors'));
    expect([...wb.keys()]).toEqual([...wa.keys()]);
    for (const [n, v] of wa) expect(Array.from(wb.get(n)!), n).toEqual(Array.from(v));
    // The metrics log continues where it stopped: one train record per step.
    const steps = readFileSync(join(part, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'train')
      .map((r) => r.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a budget stop (finishAt) ends inside the schedule: evaluated and exported at that step; resume completes it exactly', async () => {
    const full = join(dir, 'budget-full'),
      cut = join(dir, 'budget-cut'),
      short = join(dir, 'budget-short');
    await train(cfg({ out: full }), { quiet: true });
    await train(cfg({ out: short, steps: 3 }), { quiet: true });
    const b = await train(cfg({ out: cut }), { quiet: true, finishAt: 3 });
    expect(b.stopped).toBe('budget');
    expect(b.steps).toBe(3);
    expect(b.lastEval!.queries).toBeGreaterThan(0);
    const evals = readFileSync(join(cut, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'eval');
    expect(evals.map((r) => r.step)).toEqual([3]);
    expect(JSON.parse(readFileSync(join(cut, 'config.json'), 'utf8')).jepa.step).toBe(3);
    // Step 3 of a 6-step schedule is not a 3-step run: the lr schedule stayed the 6-step one.
    const w3 = await weights(join(cut, 'model.safetensors')),
      wShort = await weights(join(short, 'model.safetensors'));
    const word = [...w3.keys()].find((n) => n.endsWith('word_embeddings.weight'))!;
    expect(Array.from(w3.get(word)!)).not.toEqual(Array.from(wShort.get(word)!));
    const r = await train(cfg({ out: cut, resume: cut }), { quiet: true });
    expect(r.stopped).toBe('done');
    const wa = await weights(join(full, 'model.safetensors')),
      wb = await weights(join(cut, 'model.safetensors'));
    for (const [n, v] of wa) expect(Array.from(wb.get(n)!), n).toEqual(Array.from(v));
    await expect(
      train(cfg({ out: join(dir, 'budget-bad'), overwrite: true }), { quiet: true, finishAt: 7 }),
    ).rejects.toThrow(/stop-after.*at most --steps 6, got 7/);
  });

  it('periodic evaluations and checkpoints leave training untouched', async () => {
    const plain = join(dir, 'plain'),
      evald = join(dir, 'evald');
    await train(cfg({ out: plain }), { quiet: true });
    await train(cfg({ out: evald, evalEvery: 2, evalQueries: 3 }), { quiet: true });
    const wa = await weights(join(plain, 'model.safetensors'));
    const wb = await weights(join(evald, 'model.safetensors'));
    for (const [n, v] of wa) expect(Array.from(wb.get(n)!), n).toEqual(Array.from(v));
  });

  it('the best checkpoint is chosen on the periodic set only: the final whole-dev evaluation does not compete with it', async () => {
    const out = join(dir, 'best-subset');
    const s = await train(cfg({ out, evalEvery: 2, evalQueries: 3 }), { quiet: true });
    const evals = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'eval') as { step: number; queries: number; map: number }[];
    expect(evals.map((e) => [e.step, e.queries])).toEqual([
      [2, 3],
      [4, 3],
      [6, 6],
    ]);
    const periodic = evals.filter((e) => e.queries === 3);
    expect(s.bestMap).toBe(Math.max(...periodic.map((e) => e.map)));
    expect([2, 4]).toContain(s.bestStep);
  });

  it('layerLrScale 0 freezes the layers bit for bit while the word table trains; resume still exact', async () => {
    const frozen = { layerLrScale: 0, embLrScale: 6 };
    const three = join(dir, 'frozen3'),
      six = join(dir, 'frozen6'),
      part = join(dir, 'frozen-part');
    await train(cfg({ ...frozen, out: three, steps: 3 }), { quiet: true });
    await train(cfg({ ...frozen, out: six }), { quiet: true });
    const w3 = await weights(join(three, 'model.safetensors')),
      w6 = await weights(join(six, 'model.safetensors'));
    const layerNames = [...w6.keys()].filter((n) => n.includes('encoder.layer.'));
    expect(layerNames.length).toBeGreaterThan(0);
    for (const n of layerNames) expect(Array.from(w6.get(n)!), n).toEqual(Array.from(w3.get(n)!));
    const word = [...w6.keys()].find((n) => n.endsWith('word_embeddings.weight'))!;
    expect(Array.from(w6.get(word)!)).not.toEqual(Array.from(w3.get(word)!));
    await train(cfg({ ...frozen, out: part }), { quiet: true, stopAfter: 3 });
    await train(cfg({ ...frozen, out: part, resume: part }), { quiet: true });
    const wp = await weights(join(part, 'model.safetensors'));
    for (const [n, v] of w6) expect(Array.from(wp.get(n)!), n).toEqual(Array.from(v));
  });

  it('the default recipe (ppmi table, SIF pooling, disjoint views, frozen layers): resuming matches an uninterrupted run', async () => {
    const recommended = tinyRun('trainer-default', 4, { steps: 4, logEvery: 1 }, RECIPES.default);
    const c = recommended.cfg({});
    expect(c).toMatchObject({ embeddingInit: 'ppmi', pooling: 'sif', cropRest: true, layerLrScale: 0, lambda: 10 });
    const full = join(recommended.dir, 'full'),
      part = join(recommended.dir, 'part');
    await train(recommended.cfg({ out: full }), { quiet: true });
    await train(recommended.cfg({ out: part }), { quiet: true, stopAfter: 2 });
    await train(recommended.cfg({ out: part, resume: part }), { quiet: true });
    for (const f of ['model.safetensors', 'optimizer.safetensors']) {
      const wa = await weights(join(full, 'checkpoint', f)),
        wb = await weights(join(part, 'checkpoint', f));
      expect([...wb.keys()]).toEqual([...wa.keys()]);
      for (const [n, v] of wa) expect(Array.from(wb.get(n)!), `${f} ${n}`).toEqual(Array.from(v));
    }
    const [ta, tb] = [full, part].map((d) => readFileSync(join(d, 'token_weights.safetensors')));
    expect(tb.equals(ta)).toBe(true);
  });

  // The new objectives: N steps, then resumed to 2N, equal a straight 2N run (every weight, heads
  // included, and the optimizer state).
  for (const objective of ['tsdae', 'jepa-ema'] as const) {
    it(`${objective}: resuming matches an uninterrupted run`, async () => {
      const full = join(dir, `full-${objective}`),
        part = join(dir, `part-${objective}`);
      await train(cfg({ out: full, steps: 2, objective }), { quiet: true });
      await train(cfg({ out: part, steps: 2, objective }), { quiet: true, stopAfter: 1 });
      await train(cfg({ out: part, steps: 2, objective, resume: part }), { quiet: true });
      for (const f of ['model.safetensors', 'optimizer.safetensors']) {
        const wa = await weights(join(full, 'checkpoint', f));
        const wb = await weights(join(part, 'checkpoint', f));
        expect([...wb.keys()]).toEqual([...wa.keys()]);
        for (const [n, v] of wa) expect(Array.from(wb.get(n)!), `${f} ${n}`).toEqual(Array.from(v));
      }
      if (objective === 'jepa-ema') {
        // The EMA target is in the checkpoint, and it has moved off the context encoder.
        const w = await weights(join(full, 'checkpoint', 'model.safetensors'));
        const n = 'encoder.layer.0.output.dense.weight';
        expect(w.has(`target.${n}`)).toBe(true);
        expect(Array.from(w.get(`target.${n}`)!)).not.toEqual(Array.from(w.get(n)!));
      }
      for (const f of ['model.safetensors', 'config.json', 'vocab.txt', 'report.html', 'metrics.jsonl'])
        expect(existsSync(join(full, f)), f).toBe(true);
      const enc = await loadEncoder(full);
      expect((await enc.embed(['how do i install ubuntu']))[0].length).toBe(128);
      enc.bert.dispose();
    }, 600_000); // three training runs
  }

  it('jepa + pretext logs and plots each term', async () => {
    const out = join(dir, 'aux');
    await train(cfg({ out, steps: 2, aux: 'tsdae', auxWeight: 0.5 }), { quiet: true });
    const rec = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((r) => r.kind === 'train');
    for (const k of ['loss', 'inv', 'var', 'cov', 'vicreg', 'tsdae']) expect(typeof rec[k], k).toBe('number');
    expect(rec.loss).toBeCloseTo(rec.vicreg + 0.5 * rec.tsdae, 3);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const k of ['vicreg', 'tsdae']) expect(html).toContain(`>${k}<`);
  });

  for (const objective of ['mlm', 'simcse'] as const) {
    it(`${objective} trains and writes a loadable model, metrics and report`, async () => {
      const out = join(dir, objective);
      const s = await train(cfg({ out, objective, steps: 3 }), { quiet: true });
      expect(s.stopped).toBe('done');
      expect(s.lastEval!.queries).toBeGreaterThan(0);
      expect(Number.isFinite(s.lastEval!.map)).toBe(true);
      for (const f of ['model.safetensors', 'config.json', 'vocab.txt', 'report.html', 'metrics.jsonl']) {
        expect(existsSync(join(out, f)), f).toBe(true);
      }
      const enc = await loadEncoder(out);
      const [e] = await enc.embed(['how do i install ubuntu']);
      expect(e.length).toBe(128);
      enc.bert.dispose();
    });
  }

  it('fails clearly on a missing training file', async () => {
    await expect(
      train(cfg({ out: join(dir, 'bad'), trainFile: join(dir, 'nope.txt') }), { quiet: true }),
    ).rejects.toThrow(/nope\.txt/);
  });
});
