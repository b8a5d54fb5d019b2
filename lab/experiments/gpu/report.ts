// The sweep's report remade from its RunResult lines (record.ts's OUT_BASE.jsonl), without the runs.
// usage: tsx lab/experiments/gpu/report.ts OUT_BASE.jsonl STEP_TIMES.jsonl [REFS.jsonl] [CHART_NAMES]
//   -> OUT_BASE.md, OUT_BASE-steps.svg, OUT_BASE-time.svg
import { readFileSync } from 'node:fs';
import { jsonLines } from '../../src/results.ts';
import type { SweepLine } from '../../src/sweep-report.ts';
import { writeSweepReport } from './write-report.ts';

const [linesFile, stepTimesFile, refsFile, chartNames] = process.argv.slice(2);
if (!linesFile?.endsWith('.jsonl') || !stepTimesFile) {
  console.error('usage: tsx lab/experiments/gpu/report.ts OUT_BASE.jsonl STEP_TIMES.jsonl [REFS.jsonl] [CHART_NAMES]');
  process.exit(1);
}
const lines = jsonLines<SweepLine>(readFileSync(linesFile, 'utf8'), linesFile);
process.stdout.write(
  writeSweepReport(lines, stepTimesFile, linesFile.slice(0, -'.jsonl'.length), refsFile, chartNames),
);
