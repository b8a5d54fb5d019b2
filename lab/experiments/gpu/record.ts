// The H200 sweep's runs (scripts/experiments/gpu/sweep.sh → sweep.tgz, unpacked) as harness lines
// and a report: a mean ± sd table over the seeds that finished, the mean dev-MAP curve of every
// system over the seeds that reached each step, and the curves against this machine's wall time
// (steps × the 2-core seconds per step of scripts/experiments/step-times.sh).
// usage: tsx scripts/experiments/gpu/record.ts RUNS_DIR STEP_TIMES.jsonl OUT_BASE [REFS.jsonl] [CHART_NAMES]
//   -> OUT_BASE.jsonl (RunResult lines; "partial": the last step of a run the deadline stopped),
//      OUT_BASE.md, OUT_BASE-steps.svg, OUT_BASE-time.svg
// REFS.jsonl: RunResult lines of untrained baselines, drawn as flat reference lines; CHART_NAMES:
// the systems to chart, comma-separated (default: all).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecord } from '../../../packages/jepa/src/report/html.ts';
import { curveOf, fmtStat, meanSd, resultsTable, aggregate, type RunResult } from '../../../packages/jepa/src/report/results.ts';
import { lineChart, type Series } from '../../../packages/jepa/src/report/svg.ts';

const [runsDir, stepTimesFile, outBase, refsFile, chartNames] = process.argv.slice(2);
if (!outBase) {
  console.error('usage: tsx scripts/experiments/gpu/record.ts RUNS_DIR STEP_TIMES.jsonl OUT_BASE [REFS.jsonl]');
  process.exit(1);
}
const jsonLines = <T>(path: string): T[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l, i) => {
  try {
    return JSON.parse(l) as T;
  } catch {
    throw new Error(`${path}:${i + 1}: not a JSON line`);
  }
});
const lastJson = (path: string): Record<string, unknown> | null => {
  if (!existsSync(path)) return null;
  const last = readFileSync(path, 'utf8').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    return null;
  }
};
const sPerStep = new Map(jsonLines<{ name: string; sPerStep: number }>(stepTimesFile).map((r) => [r.name, r.sPerStep]));

type Line = RunResult & { partial?: number };
const lines: Line[] = [];
for (const d of readdirSync(runsDir).filter((f) => /-s\d+$/.test(f)).sort()) {
  const [, name, seed] = /^(.*)-s(\d+)$/.exec(d)!;
  const dir = join(runsDir, d);
  const records = jsonLines<MetricRecord>(join(dir, 'metrics.jsonl'));
  const curve = curveOf(records).map(([s, m, t]) => [s, +m.toFixed(3), +t.toFixed(1)] as [number, number, number]);
  const tr = lastJson(`${dir}.train.json`);
  const st = lastJson(`${dir}.stsb.json`);
  const flags = (JSON.parse(readFileSync(join(dir, 'train-config.json'), 'utf8')) as Record<string, unknown>);
  const done = tr && typeof tr.map === 'number' && tr.scheduleSteps === undefined; // a --stop-after run is partial
  if (!done && !curve.length) continue;
  const last = records.filter((r) => r.kind === 'eval').at(-1) as Record<string, number> | undefined;
  lines.push({
    name, seed: Number(seed), flags: `objective ${flags.objective}${flags.aux ? ` + ${flags.aux}` : ''}, ${flags.steps} steps`,
    askubuntu: tr && typeof tr.map === 'number' ? { map: tr.map as number, mrr10: tr.mrr10 as number } : { map: last!.map, mrr10: last!.mrr10 },
    ...(st && typeof st.spearman === 'number' ? { stsb: { spearman: st.spearman } } : {}),
    curve,
    ...(done ? {} : { partial: curve.at(-1)![0] }),
  });
}
writeFileSync(`${outBase}.jsonl`, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

const refs = refsFile ? jsonLines<RunResult>(refsFile) : [];
const names = [...new Set(lines.map((l) => l.name))];
// Mean curve over the seeds that reached each step.
const curveOfSystem = (name: string) => {
  const cs = lines.filter((l) => l.name === name).map((l) => l.curve!);
  const steps = [...new Set(cs.flatMap((c) => c.map((p) => p[0])))].sort((a, b) => a - b);
  return steps.map((s) => ({ step: s, stat: meanSd(cs.flatMap((c) => c.filter((p) => p[0] === s).map((p) => p[1]))) }));
};
const finished = lines.filter((l) => l.partial === undefined);
let md = '## Finished runs (mean ± sd over the seeds that finished)\n\n' + resultsTable(aggregate([...finished, ...refs]));
const allSteps = [...new Set(lines.flatMap((l) => l.curve!.map((p) => p[0])))].sort((a, b) => a - b);
md += '\n## Dev MAP against steps (mean ± sd over the seeds that reached the step; (n) when fewer than 3)\n\n';
md += `| system | 2-core s/step | ${allSteps.join(' | ')} |\n|---|---|${allSteps.map(() => '---').join('|')}|\n`;
for (const n of names) {
  const c = new Map(curveOfSystem(n).map((p) => [p.step, p.stat]));
  md += `| ${n} | ${sPerStep.get(n)?.toFixed(3) ?? '—'} | ${allSteps.map((s) => (c.has(s) ? fmtStat(c.get(s)!) + (c.get(s)!.n < 3 ? ` (${c.get(s)!.n})` : '') : '')).join(' | ')} |\n`;
}
md += '\nPartial runs (stopped at the sweep\'s deadline or by --stop-after; their last evaluation): ' +
  (lines.filter((l) => l.partial !== undefined).map((l) => `${l.name} s${l.seed} @ ${l.partial}`).join(', ') || 'none') + '.\n';
writeFileSync(`${outBase}.md`, md);

const charted = chartNames ? names.filter((n) => chartNames.split(',').includes(n)) : names;
const steps: Series[] = charted.map((n) => ({ name: n, points: curveOfSystem(n).map((p) => [p.step, p.stat.mean] as [number, number]) }));
const time: Series[] = charted.filter((n) => sPerStep.has(n)).map((n) => ({ name: n, points: curveOfSystem(n).map((p) => [p.step * sPerStep.get(n)!, p.stat.mean] as [number, number]) }));
for (const r of aggregate(refs)) {
  const span = (ss: Series[]) => [Math.min(...ss.flatMap((s) => s.points.map((p) => p[0]))), Math.max(...ss.flatMap((s) => s.points.map((p) => p[0])))];
  const [a, b] = span(steps), [c, d] = span(time);
  steps.push({ name: r.name, points: [[a, r.map.mean], [b, r.map.mean]] });
  time.push({ name: r.name, points: [[c, r.map.mean], [d, r.map.mean]] });
}
writeFileSync(`${outBase}-steps.svg`, lineChart('AskUbuntu dev MAP vs steps (tiny, words init, SIF; mean over seeds)', steps, { xLabel: 'step', yLabel: 'dev MAP' }) + '\n');
writeFileSync(`${outBase}-time.svg`, lineChart('… vs wall time on 2 cores (steps × s/step)', time, { xLabel: 'seconds on the 2-core machine (llvmpipe)', yLabel: 'dev MAP' }) + '\n');
process.stdout.write(md);
