// Writes the sweep's report files beside its lines (record.ts and report.ts share it).
import { readFileSync, writeFileSync } from 'node:fs';
import { jsonLines, type RunResult } from '../../src/results.ts';
import { sweepReport, type StepTime, type SweepLine } from '../../src/sweep-report.ts';

/** OUT_BASE.md, OUT_BASE-steps.svg and OUT_BASE-time.svg; returns the markdown. */
export function writeSweepReport(
  lines: readonly SweepLine[],
  stepTimesFile: string,
  outBase: string,
  refsFile?: string,
  chartNames?: string,
): string {
  const read = <T>(path: string) => jsonLines<T>(readFileSync(path, 'utf8'), path);
  const r = sweepReport(
    lines,
    read<StepTime>(stepTimesFile),
    refsFile ? read<RunResult>(refsFile) : [],
    chartNames?.split(','),
  );
  writeFileSync(`${outBase}.md`, r.md);
  writeFileSync(`${outBase}-steps.svg`, r.steps);
  writeFileSync(`${outBase}-time.svg`, r.time);
  return r.md;
}
