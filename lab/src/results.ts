// Seeds harness reporting: one line per (system, seed) run in, a mean ± sd table and learning
// curves out. A difference smaller than the seed-to-seed spread is reported as a tie.
import { lineChart, type MetricRecord, type Series } from '@jepa/jepa';

export interface RunResult {
  name: string;
  seed?: number;
  /** The pnpm train flags of the run (empty for baselines). */
  flags?: string;
  wall_s?: number;
  askubuntu: { map: number; mrr10: number };
  stsb?: { spearman: number };
  /** Periodic dev evaluations: [step, MAP, training seconds so far (evaluations excluded)]. */
  curve?: [number, number, number][];
}

export interface Stat {
  mean: number;
  sd: number;
  n: number;
}

/** Mean and sample standard deviation (n - 1; 0 for a single value). */
export function meanSd(xs: readonly number[]): Stat {
  const n = xs.length;
  if (n === 0) throw new Error('meanSd: no values');
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

export interface SystemRow {
  name: string;
  flags: string;
  map: Stat;
  mrr10: Stat;
  stsb: Stat | null;
  wall: Stat | null;
}

/** Group runs by name (first-seen order) and summarise each metric over its seeds. */
export function aggregate(runs: readonly RunResult[]): SystemRow[] {
  const by = new Map<string, RunResult[]>();
  for (const r of runs) by.set(r.name, [...(by.get(r.name) ?? []), r]);
  return [...by].map(([name, rs]) => {
    const pick = (f: (r: RunResult) => number | undefined) => {
      const v = rs.map(f).filter((x): x is number => typeof x === 'number');
      return v.length ? meanSd(v) : null;
    };
    return {
      name,
      flags: rs[0].flags ?? '',
      map: pick((r) => r.askubuntu.map)!,
      mrr10: pick((r) => r.askubuntu.mrr10)!,
      stsb: pick((r) => r.stsb?.spearman),
      wall: pick((r) => r.wall_s),
    };
  });
}

/** Two systems tie when their means differ by less than the larger of their seed spreads. */
export function tied(a: Stat, b: Stat): boolean {
  return Math.abs(a.mean - b.mean) < Math.max(a.sd, b.sd);
}

/** "mean ± sd" (the mean alone for one seed; — for none). */
export const fmtStat = (s: Stat | null, digits = 2) =>
  s === null ? '—' : s.n > 1 ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}` : s.mean.toFixed(digits);

/** Markdown table: mean ± sd over seeds; the best MAP bold, and every row tied with it marked. */
export function resultsTable(rows: readonly SystemRow[]): string {
  const best = rows.reduce<SystemRow | null>((b, r) => (r.flags && (!b || r.map.mean > b.map.mean) ? r : b), null);
  const lines = [
    '| system | seeds | AskUbuntu dev MAP | MRR@10 | STS-B dev Spearman | train wall time (s) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const isBest = r === best;
    const tie = !isBest && best && r.flags && tied(r.map, best.map) ? ' (tie)' : '';
    const map = isBest ? `**${fmtStat(r.map)}**` : fmtStat(r.map) + tie;
    lines.push(
      `| ${r.name} | ${r.map.n} | ${map} | ${fmtStat(r.mrr10)} | ${fmtStat(r.stsb)} | ${fmtStat(r.wall, 0)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Dev-MAP curve of one run from its metrics.jsonl records: [step, MAP, training seconds], where the
 * seconds are the run's elapsed time at that step (at the last logged step before it when the step
 * was not logged) less the evaluations before it.
 */
export function curveOf(records: readonly MetricRecord[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  let evalSeconds = 0;
  for (const r of records) {
    if (r.kind !== 'eval' || typeof r.map !== 'number') continue;
    // The train record of that step (written every logEvery steps), else the latest before it.
    const tr = records.filter((t) => t.kind === 'train' && t.step <= r.step && typeof t.elapsed === 'number').at(-1);
    if (tr) out.push([r.step, r.map, (tr.elapsed as number) - evalSeconds]);
    evalSeconds += typeof r.seconds === 'number' ? r.seconds : 0;
  }
  return out;
}

/** The mean curve of a system over its seeds, at the steps every seed evaluated. */
export function meanCurve(curves: readonly (readonly [number, number, number][])[]): [number, number, number][] {
  if (!curves.length) return [];
  const steps = curves[0].map((p) => p[0]).filter((s) => curves.every((c) => c.some((p) => p[0] === s)));
  return steps.map((s) => {
    const pts = curves.map((c) => c.find((p) => p[0] === s)!);
    return [s, meanSd(pts.map((p) => p[1])).mean, meanSd(pts.map((p) => p[2])).mean];
  });
}

/**
 * Two SVG charts: mean dev MAP against steps and against training seconds, one line per system,
 * with the untrained systems (no flags) as flat reference lines.
 */
export function curveCharts(
  runs: readonly RunResult[],
  title: string,
  showRef: (name: string) => boolean = () => true,
): { steps: string; time: string } {
  const by = new Map<string, [number, number, number][][]>();
  for (const r of runs) if (r.curve?.length) by.set(r.name, [...(by.get(r.name) ?? []), r.curve]);
  const curves = [...by].map(([name, cs]) => ({ name, c: meanCurve(cs) }));
  const steps: Series[] = curves.map(({ name, c }) => ({
    name,
    points: c.map((p) => [p[0], p[1]] as [number, number]),
  }));
  const time: Series[] = curves.map(({ name, c }) => ({
    name,
    points: c.map((p) => [p[2], p[1]] as [number, number]),
  }));
  // Untrained systems (no flags) as flat reference lines across the trained curves' range.
  const span = (ss: Series[]) => {
    const xs = ss.flatMap((s) => s.points.map((p) => p[0]));
    return [Math.min(...xs), Math.max(...xs)];
  };
  const [s0, s1] = span(steps),
    [t0, t1] = span(time);
  for (const r of aggregate(runs.filter((x) => !x.flags && showRef(x.name)))) {
    if (!steps.length) break;
    steps.push({
      name: r.name,
      points: [
        [s0, r.map.mean],
        [s1, r.map.mean],
      ],
    });
    time.push({
      name: r.name,
      points: [
        [t0, r.map.mean],
        [t1, r.map.mean],
      ],
    });
  }
  return {
    steps: lineChart(`${title}: dev MAP vs steps`, steps, { xLabel: 'step', yLabel: 'dev MAP' }),
    time: lineChart(`${title}: dev MAP vs training time`, time, {
      xLabel: 'training seconds (evals excluded)',
      yLabel: 'dev MAP',
    }),
  };
}

/** What the seeds harness writes beside NAME.jsonl: NAME.md, and the two curve charts when any run has a curve. */
export interface SeedsReport {
  md: string;
  steps?: string;
  time?: string;
}

export function seedsReport(runs: readonly RunResult[], title: string): SeedsReport {
  const rows = aggregate(runs);
  const flags = rows
    .filter((r) => r.flags)
    .map((r) => `- ${r.name}: \`${r.flags}\``)
    .join('\n');
  const md = `${resultsTable(rows)}\nFlags per system (besides the common ones):\n${flags}\n`;
  if (!runs.some((r) => r.curve?.length)) return { md };
  // Chance level (random order) as a reference line would flatten the curves' scale.
  const charts = curveCharts(runs, title, (name) => !/^random order/.test(name));
  return { md, steps: `${charts.steps}\n`, time: `${charts.time}\n` };
}

/** The table results.sh wrote before the seeds harness (one run per system, no seeds column). */
export function singleSeedTable(runs: readonly RunResult[]): string {
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(2));
  const lines = [
    '| system | AskUbuntu dev MAP | MRR@10 | STS-B dev Spearman | train wall time |',
    '|---|---|---|---|---|',
  ];
  for (const r of runs)
    lines.push(
      `| ${r.name} | ${f(r.askubuntu.map)} | ${f(r.askubuntu.mrr10)} | ${f(r.stsb?.spearman)} | ${r.wall_s ? `${r.wall_s} s` : '—'} |`,
    );
  return `${lines.join('\n')}\n`;
}

/** RunResult lines (or any JSON lines) of a file's text; `file` names it in errors. */
export function jsonLines<T = RunResult>(text: string, file: string): T[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new Error(`${file}:${i + 1}: not a JSON line`);
      }
    });
}

/**
 * Sample efficiency: mean dev MAP against the number of labelled pairs K (log axis), one line per
 * way of using them. Runs are named `<way> K=<n|all>`; `all` counts as `allPairs`. `refs` (name →
 * mean MAP) are drawn as flat lines: what the same start scores with no labels.
 */
export function byKChart(
  runs: readonly RunResult[],
  title: string,
  allPairs: number,
  refs: readonly { name: string; map: number; label?: string }[] = [],
): string {
  const ways = new Map<string, [number, number][]>();
  for (const row of aggregate(runs)) {
    const m = /^(.*) K=(\d+|all)$/.exec(row.name);
    if (!m) throw new Error(`byKChart: a run name must end in " K=<n|all>", got "${row.name}"`);
    const k = m[2] === 'all' ? allPairs : Number(m[2]);
    ways.set(m[1], [...(ways.get(m[1]) ?? []), [Math.log10(k), row.map.mean]]);
  }
  const series: Series[] = [...ways].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
  return lineChart(title, series, {
    xLabel: `log10 K, labelled pairs (2 = 100, 3 = 1 000, ${Math.log10(allPairs).toFixed(2)} = all ${allPairs})`,
    yLabel: 'dev MAP',
    refLines: refs.map((r) => ({ name: r.name, y: r.map, label: r.label })),
  });
}
