// The GPU sweep's report (lab/experiments/gpu/): a mean ± sd table over the seeds that finished,
// the mean dev-MAP curve of every system over the seeds that reached each step, and the curves
// against the 2-core machine's wall time (steps × its seconds per step). From the sweep's
// RunResult lines alone, so the committed tables can be remade without the runs.
import { lineChart, type Series } from '@jepa/jepa';
import { aggregate, fmtStat, meanSd, resultsTable, type RunResult } from './results.ts';

/** A sweep line: "partial" is the last evaluated step of a run the deadline (or --stop-after) stopped. */
export type SweepLine = RunResult & { partial?: number };

/** One line per step-times.sh system: seconds per training step on the 2-core machine. */
export interface StepTime {
  name: string;
  sPerStep: number;
}

export interface SweepReport {
  md: string;
  steps: string;
  time: string;
}

/** `refs`: untrained baselines, drawn as flat lines; `chartNames`: the systems to chart (default all). */
export function sweepReport(
  lines: readonly SweepLine[],
  stepTimes: readonly StepTime[],
  refs: readonly RunResult[] = [],
  chartNames?: readonly string[],
): SweepReport {
  const sPerStep = new Map(stepTimes.map((r) => [r.name, r.sPerStep]));
  const names = [...new Set(lines.map((l) => l.name))];
  // Mean curve over the seeds that reached each step.
  const curveOfSystem = (name: string) => {
    const cs = lines.filter((l) => l.name === name).map((l) => l.curve ?? []);
    const steps = [...new Set(cs.flatMap((c) => c.map((p) => p[0])))].sort((a, b) => a - b);
    return steps.map((s) => ({
      step: s,
      stat: meanSd(cs.flatMap((c) => c.filter((p) => p[0] === s).map((p) => p[1]))),
    }));
  };
  const finished = lines.filter((l) => l.partial === undefined);
  let md = `## Finished runs (mean ± sd over the seeds that finished)\n\n${resultsTable(aggregate([...finished, ...refs]))}`;
  const allSteps = [...new Set(lines.flatMap((l) => (l.curve ?? []).map((p) => p[0])))].sort((a, b) => a - b);
  md += '\n## Dev MAP against steps (mean ± sd over the seeds that reached the step; (n) when fewer than 3)\n\n';
  md += `| system | 2-core s/step | ${allSteps.join(' | ')} |\n|---|---|${allSteps.map(() => '---').join('|')}|\n`;
  for (const n of names) {
    const c = new Map(curveOfSystem(n).map((p) => [p.step, p.stat]));
    md += `| ${n} | ${sPerStep.get(n)?.toFixed(3) ?? '—'} | ${allSteps.map((s) => (c.has(s) ? fmtStat(c.get(s)!) + (c.get(s)!.n < 3 ? ` (${c.get(s)!.n})` : '') : '')).join(' | ')} |\n`;
  }
  md +=
    "\nPartial runs (stopped at the sweep's deadline or by --stop-after; their last evaluation): " +
    (lines
      .filter((l) => l.partial !== undefined)
      .map((l) => `${l.name} s${l.seed} @ ${l.partial}`)
      .join(', ') || 'none') +
    '.\n';

  const charted = chartNames ? names.filter((n) => chartNames.includes(n)) : names;
  const steps: Series[] = charted.map((n) => ({
    name: n,
    points: curveOfSystem(n).map((p) => [p.step, p.stat.mean] as [number, number]),
  }));
  const time: Series[] = charted
    .filter((n) => sPerStep.has(n))
    .map((n) => ({
      name: n,
      points: curveOfSystem(n).map((p) => [p.step * sPerStep.get(n)!, p.stat.mean] as [number, number]),
    }));
  for (const r of aggregate(refs)) {
    const span = (ss: Series[]) => [
      Math.min(...ss.flatMap((s) => s.points.map((p) => p[0]))),
      Math.max(...ss.flatMap((s) => s.points.map((p) => p[0]))),
    ];
    const [a, b] = span(steps),
      [c, d] = span(time);
    steps.push({
      name: r.name,
      points: [
        [a, r.map.mean],
        [b, r.map.mean],
      ],
    });
    time.push({
      name: r.name,
      points: [
        [c, r.map.mean],
        [d, r.map.mean],
      ],
    });
  }
  return {
    md,
    steps: `${lineChart('AskUbuntu dev MAP vs steps (tiny, words init, SIF; mean over seeds)', steps, {
      xLabel: 'step',
      yLabel: 'dev MAP',
    })}\n`,
    time: `${lineChart('… vs wall time on 2 cores (steps × s/step)', time, {
      xLabel: 'seconds on the 2-core machine (llvmpipe)',
      yLabel: 'dev MAP',
    })}\n`,
  };
}
