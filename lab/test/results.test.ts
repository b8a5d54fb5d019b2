import { describe, expect, it } from 'vitest';
import {
  aggregate,
  byKChart,
  curveCharts,
  curveOf,
  meanCurve,
  meanSd,
  resultsTable,
  tied,
  type RunResult,
} from '../src/results.ts';

const run = (name: string, seed: number, map: number, stsb?: number): RunResult => ({
  name,
  seed,
  flags: name === 'tfidf' ? '' : `--objective ${name}`,
  wall_s: 100 + seed,
  askubuntu: { map, mrr10: map + 1 },
  ...(stsb === undefined ? {} : { stsb: { spearman: stsb } }),
});

describe('results report', () => {
  it('meanSd uses the sample standard deviation', () => {
    const s = meanSd([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanSd([7])).toEqual({ mean: 7, sd: 0, n: 1 });
    expect(() => meanSd([])).toThrow(/no values/);
  });

  it('aggregates seeds per system and marks ties with the best', () => {
    const rows = aggregate([
      run('jepa', 1, 33),
      run('jepa', 2, 35),
      run('mlm', 1, 33.5),
      run('mlm', 2, 34.5),
      run('simcse', 1, 20),
      run('simcse', 2, 20.2),
      run('tfidf', 1, 30.67),
    ]);
    expect(rows.map((r) => r.name)).toEqual(['jepa', 'mlm', 'simcse', 'tfidf']);
    expect(rows[0].map.mean).toBe(34);
    expect(rows[0].map.sd).toBeCloseTo(Math.SQRT2, 12);
    expect(rows[0].stsb).toBeNull();
    expect(rows[0].wall!.mean).toBe(101.5);
    expect(tied(rows[0].map, rows[1].map)).toBe(true);
    expect(tied(rows[0].map, rows[2].map)).toBe(false);
    const md = resultsTable(rows).split('\n');
    expect(md[2]).toBe('| jepa | 2 | **34.00 ± 1.41** | 35.00 ± 1.41 | — | 102 ± 1 |');
    expect(md[3]).toContain('34.00 ± 0.71 (tie)');
    expect(md[4]).not.toContain('tie');
    expect(md[5]).toBe('| tfidf | 1 | 30.67 | 31.67 | — | 101 |');
  });

  it('curveOf subtracts earlier evaluations from the elapsed time', () => {
    const recs = [
      { kind: 'train' as const, step: 50, elapsed: 60 },
      { kind: 'eval' as const, step: 50, map: 30, seconds: 20 },
      { kind: 'train' as const, step: 100, elapsed: 130 },
      { kind: 'eval' as const, step: 100, map: 32, seconds: 25 },
      { kind: 'eval' as const, step: 105, map: 33, seconds: 25 },
    ];
    expect(curveOf(recs)).toEqual([
      [50, 30, 60],
      [100, 32, 110],
      [105, 33, 85],
    ]);
  });

  it('meanCurve averages at the steps every seed has, and the charts draw one line per system', () => {
    const a: [number, number, number][] = [
      [50, 30, 60],
      [100, 32, 110],
    ];
    const b: [number, number, number][] = [
      [50, 31, 70],
      [100, 34, 130],
      [150, 35, 190],
    ];
    expect(meanCurve([a, b])).toEqual([
      [50, 30.5, 65],
      [100, 33, 120],
    ]);
    const charts = curveCharts(
      [
        { ...run('jepa', 1, 32), curve: a },
        { ...run('jepa', 2, 34), curve: b },
        { ...run('mlm', 1, 20), curve: a },
        run('tfidf', 1, 30.67),
      ],
      'dev',
    );
    expect(charts.steps.match(/<path /g)).toHaveLength(3);
    expect(charts.steps).toContain('>tfidf</text>');
    expect(charts.time).toContain('training seconds');
  });

  it('byKChart: one line per way, K on a log axis (all = every pair), the seeds averaged', () => {
    const svg = byKChart(
      [run('pairs K=100', 1, 38), run('pairs K=100', 2, 40), run('pairs K=all', 1, 41), run('JEPA→pairs K=100', 1, 39)],
      'by K',
      1000,
      [{ name: 'untrained', map: 38.5 }],
    );
    // Two lines (pairs: two points, JEPA→pairs: one) and the reference line in the legend.
    expect(svg).toContain('>pairs<');
    expect(svg).toContain('>JEPA→pairs<');
    expect(svg).toContain('>untrained<');
    expect(svg).toContain('log10 K, labelled pairs (2 = 100, 3 = 1 000, 3.00 = all 1000)');
    expect(() => byKChart([run('pairs', 1, 38)], 'by K', 1000)).toThrow(
      'byKChart: a run name must end in " K=<n|all>", got "pairs"',
    );
  });
});
