// Aggregate a seeds harness log (one RunResult JSON per line) into a mean ± sd markdown table and
// two SVG learning-curve charts beside it.
// usage (from lab/): pnpm report results/NAME.jsonl [title]   -> results/NAME.md, NAME-steps.svg, NAME-time.svg
import { readFileSync, writeFileSync } from 'node:fs';
import { jsonLines, seedsReport } from '../src/results.ts';

const [file, title = 'AskUbuntu dev'] = process.argv.slice(2);
if (!file?.endsWith('.jsonl')) {
  console.error('usage: tsx lab/tools/results-report.ts results/NAME.jsonl [title]');
  process.exit(1);
}
const base = file.slice(0, -'.jsonl'.length);
const report = seedsReport(jsonLines(readFileSync(file, 'utf8'), file), title);
writeFileSync(`${base}.md`, report.md);
if (report.steps && report.time) {
  writeFileSync(`${base}-steps.svg`, report.steps);
  writeFileSync(`${base}-time.svg`, report.time);
}
process.stdout.write(report.md.slice(0, report.md.indexOf('\nFlags per system') + 1));
