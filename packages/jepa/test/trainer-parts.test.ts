// Pure (host-side) parts of the trainer: config validation, data order, masking plan, report, npy.
import { describe, expect, it } from 'vitest';
import { BatchStream } from '../src/train/data.ts';
import { ConfigError, DEFAULTS, RECIPES, parseArgs, resolveConfig } from '../src/train/config.ts';
import { planMasking } from '../src/objectives/mlm.ts';
import { Rng } from '../src/util/rng.ts';
import { renderReport } from '../src/report/html.ts';
import { covarianceSpectrum, symmetricEigenvalues } from '../src/report/spectrum.ts';
import { npyBytes } from '../src/util/npy.ts';

describe('config', () => {
  it('merges recipe, file and flags, coercing strings', () => {
    const c = resolveConfig(RECIPES.seed, { steps: '50', batchSize: 4, expander: '64,64' });
    expect(c.preset).toBe('base');
    expect(c.loss).toBe('seed');
    expect(c.steps).toBe(50);
    expect(c.expander).toEqual([64, 64]);
    expect(resolveConfig().lr).toBe(DEFAULTS.lr);
  });
  it('names the field at fault', () => {
    expect(() => resolveConfig({ steps: 'ten' })).toThrow(/config "steps": expected a positive integer, got "ten"/);
    expect(() => resolveConfig({ objective: 'byol' })).toThrow(
      /config "objective": expected one of jepa\|jepa-ema\|mlm\|simcse\|tsdae/,
    );
    expect(() => resolveConfig({ stpes: 3 })).toThrow(ConfigError);
    expect(() => resolveConfig({ batchsize: 3 })).toThrow(/did you mean "batchSize"/);
    expect(() => resolveConfig({ warmup: 50, steps: 10 })).toThrow(/warmup/);
    expect(() => resolveConfig({ deleteRatio: 1 })).toThrow(/config "deleteRatio": must be in \[0, 1\), got 1/);
    expect(() => resolveConfig({ decoderTie: 'none' })).toThrow(/config "decoderTie": expected one of all\|embeddings/);
    expect(() => resolveConfig({ objective: 'mlm', aux: 'tsdae' })).toThrow(
      /config "aux": an auxiliary loss \(a pretext task or labelled pairs\) joins objective jepa only, got objective "mlm"/,
    );
    expect(() => resolveConfig({ auxWeight: -1 })).toThrow(/config "auxWeight"/);
    expect(() => resolveConfig({ emaMomentum: 1.2 })).toThrow(/config "emaMomentum": must be in \[0, 1\], got 1.2/);
    expect(() => resolveConfig({ emaSchedule: 'step' })).toThrow(
      /config "emaSchedule": expected one of constant\|linear\|cosine/,
    );
    expect(() => resolveConfig({ emaLoss: 'l1' })).toThrow(/config "emaLoss": expected one of vicreg\|mse/);
    expect(() => resolveConfig({ objective: 'jepa-ema', batchSize: 1 })).toThrow(
      /config "batchSize": objective jepa-ema needs at least 2/,
    );
    expect(() => resolveConfig({ cropBoth: true, cropRest: true })).toThrow(
      /config "cropRest": the views are either two crops \(cropBoth\) or a crop and the rest \(cropRest\), got both/,
    );
    expect(resolveConfig({ cropRest: 'true' }).cropRest).toBe(true);
  });
  it('parses kebab-case flags', () => {
    const { flags } = parseArgs(['--batch-size', '8', '--crop-both', '--lr=1e-3', 'x']);
    expect(flags).toEqual({ batchSize: '8', cropBoth: 'true', lr: '1e-3' });
    expect(resolveConfig(flags).cropBoth).toBe(true);
  });
});

describe('data order', () => {
  const pool = Array.from({ length: 103 }, (_, i) => `s${i}`);
  it('is a pure function of (seed, step) and covers each epoch once', () => {
    const a = new BatchStream(pool, 10, 7),
      b = new BatchStream(pool, 10, 7);
    expect(b.batch(13)).toEqual(a.batch(13));
    const epoch = new Set(Array.from({ length: 10 }, (_, s) => a.batch(s)).flat());
    expect(epoch.size).toBe(100);
    expect(new BatchStream(pool, 10, 8).batch(0)).not.toEqual(a.batch(0));
    expect(a.rng(5).nextU32()).toBe(b.rng(5).nextU32());
  });
  it('rejects a pool smaller than a batch', () => {
    expect(() => new BatchStream(['a'], 2, 1)).toThrow(/fewer than the batch size 2/);
  });
});

describe('MLM masking plan', () => {
  it('picks ~15% of real non-special tokens with the 80/10/10 split', () => {
    const n = 20000;
    const ids = Int32Array.from({ length: n }, (_, i) => (i % 50 === 0 ? 101 : 1000 + (i % 500)));
    const mask = Int32Array.from({ length: n }, (_, i) => (i % 10 === 9 ? 0 : 1));
    const p = planMasking(ids, mask, Rng.fromSeed(3), {
      rate: 0.15,
      maskId: 103,
      vocabSize: 30522,
      special: new Set([0, 101, 102, 103, 100]),
    });
    const eligible = [...ids.keys()].filter((i) => mask[i] && ids[i] !== 101).length;
    expect(p.positions.length / eligible).toBeCloseTo(0.15, 1);
    for (const i of p.positions) {
      expect(mask[i]).toBe(1);
      expect(ids[i]).not.toBe(101);
    }
    const masked = [...p.positions].filter((i) => p.ids[i] === 103).length / p.positions.length;
    const kept = [...p.positions].filter((i) => p.ids[i] === ids[i]).length / p.positions.length;
    expect(masked).toBeGreaterThan(0.76);
    expect(masked).toBeLessThan(0.84);
    expect(kept).toBeGreaterThan(0.07);
    expect(kept).toBeLessThan(0.14);
    expect(Array.from(p.targets)).toEqual([...p.positions].map((i) => ids[i]));
  });
});

describe('report and monitors', () => {
  it('eigenvalues of a known symmetric matrix', () => {
    const ev = symmetricEigenvalues(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(ev).map((v) => +v.toFixed(9))).toEqual([5, 3, 1]);
  });
  it('a collapsed sample has one non-zero eigenvalue', () => {
    const rows = Array.from({ length: 20 }, (_, i) => Float32Array.from({ length: 8 }, (_, j) => (j + 1) * (i - 10)));
    const s = covarianceSpectrum(rows);
    expect(s[0]).toBeGreaterThan(1);
    expect(s[1] / s[0]).toBeLessThan(1e-9);
  });
  it('renders an offline page with SVG charts', () => {
    const html = renderReport({
      title: 't',
      config: { a: 1 },
      records: [
        { kind: 'train', step: 10, loss: 3, inv: 1 },
        { kind: 'train', step: 20, loss: 2, inv: 0.5 },
        { kind: 'eval', step: 20, map: 30, mrr10: 31 },
      ],
      embStd: [1, 2, 3],
      spectrum: [3, 2, 1],
    });
    expect(html).toContain('<svg');
    expect(html.match(/<svg/g)!.length).toBe(5); // loss, MAP, MRR@10, std, spectrum
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
  it('writes .npy that numpy would parse', () => {
    const b = npyBytes([Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)]);
    const hlen = new DataView(b.buffer).getUint16(8, true);
    const header = Buffer.from(b.subarray(10, 10 + hlen)).toString('latin1');
    expect(header).toContain("'shape': (2, 3)");
    expect((10 + hlen) % 64).toBe(0);
    expect(Array.from(new Float32Array(b.buffer, 10 + hlen))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
