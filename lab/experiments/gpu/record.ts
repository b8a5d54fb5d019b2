// The H200 sweep's runs (lab/experiments/gpu/sweep.sh → sweep.tgz, unpacked) as harness lines
// and their report (lab/src/sweep-report.ts; report.ts remakes it from the lines alone).
// usage: tsx lab/experiments/gpu/record.ts RUNS_DIR STEP_TIMES.jsonl OUT_BASE [REFS.jsonl] [CHART_NAMES]
//   -> OUT_BASE.jsonl (RunResult lines; "partial": the last step of a run the deadline stopped),
//      OUT_BASE.md, OUT_BASE-steps.svg, OUT_BASE-time.svg
// STEP_TIMES.jsonl: lab/experiments/step-times.sh's lines; REFS.jsonl: RunResult lines of
// untrained baselines, drawn as flat reference lines; CHART_NAMES: the systems to chart,
// comma-separated (default: all).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecord } from '@jepa/jepa';
import { curveOf, jsonLines } from '../../src/results.ts';
import type { SweepLine } from '../../src/sweep-report.ts';
import { writeSweepReport } from './write-report.ts';

const [runsDir, stepTimesFile, outBase, refsFile, chartNames] = process.argv.slice(2);
if (!outBase) {
  console.error(
    'usage: tsx lab/experiments/gpu/record.ts RUNS_DIR STEP_TIMES.jsonl OUT_BASE [REFS.jsonl] [CHART_NAMES]',
  );
  process.exit(1);
}
const readLines = <T>(path: string): T[] => jsonLines<T>(readFileSync(path, 'utf8'), path);
const lastJson = (path: string): Record<string, unknown> | null => {
  if (!existsSync(path)) return null;
  const last = readFileSync(path, 'utf8').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    return null;
  }
};

const lines: SweepLine[] = [];
for (const d of readdirSync(runsDir)
  .filter((f) => /-s\d+$/.test(f))
  .sort()) {
  const [, name, seed] = /^(.*)-s(\d+)$/.exec(d)!;
  const dir = join(runsDir, d);
  const records = readLines<MetricRecord>(join(dir, 'metrics.jsonl'));
  const curve = curveOf(records).map(([s, m, t]) => [s, +m.toFixed(3), +t.toFixed(1)] as [number, number, number]);
  const tr = lastJson(`${dir}.train.json`);
  const st = lastJson(`${dir}.stsb.json`);
  const flags = JSON.parse(readFileSync(join(dir, 'train-config.json'), 'utf8')) as Record<string, unknown>;
  const done = tr && typeof tr.map === 'number' && tr.scheduleSteps === undefined; // a --stop-after run is partial
  if (!done && !curve.length) continue;
  const last = records.filter((r) => r.kind === 'eval').at(-1) as Record<string, number> | undefined;
  lines.push({
    name,
    seed: Number(seed),
    flags: `objective ${flags.objective}${flags.aux ? ` + ${flags.aux}` : ''}, ${flags.steps} steps`,
    askubuntu:
      tr && typeof tr.map === 'number'
        ? { map: tr.map as number, mrr10: tr.mrr10 as number }
        : { map: last!.map, mrr10: last!.mrr10 },
    ...(st && typeof st.spearman === 'number' ? { stsb: { spearman: st.spearman } } : {}),
    curve,
    ...(done ? {} : { partial: curve.at(-1)![0] }),
  });
}
writeFileSync(`${outBase}.jsonl`, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
process.stdout.write(writeSweepReport(lines, stepTimesFile, outBase, refsFile, chartNames));
