// Aggregate a seeds harness log (one RunResult JSON per line) into a mean ± sd markdown table and
// two SVG learning-curve charts beside it.
// usage: tsx scripts/results-report.ts results/NAME.jsonl [title]   -> results/NAME.md, NAME-steps.svg, NAME-time.svg
import { readFileSync, writeFileSync } from 'node:fs';
import { aggregate, curveCharts, resultsTable, type RunResult } from '../packages/jepa/src/report/results.ts';

const [file, title = 'AskUbuntu dev'] = process.argv.slice(2);
if (!file?.endsWith('.jsonl')) {
  console.error('usage: tsx scripts/results-report.ts results/NAME.jsonl [title]');
  process.exit(1);
}
const runs = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l, i) => {
  try {
    return JSON.parse(l) as RunResult;
  } catch {
    throw new Error(`${file}:${i + 1}: not a JSON line`);
  }
});
const base = file.slice(0, -'.jsonl'.length);
const table = resultsTable(aggregate(runs));
const flags = aggregate(runs).filter((r) => r.flags).map((r) => `- ${r.name}: \`${r.flags}\``).join('\n');
writeFileSync(`${base}.md`, `${table}\nFlags per system (besides the common ones):\n${flags}\n`);
// Chance level (random order) as a reference line would flatten the curves' scale.
const charts = curveCharts(runs, title, (name) => !/^random order/.test(name));
if (runs.some((r) => r.curve?.length)) {
  writeFileSync(`${base}-steps.svg`, charts.steps + '\n');
  writeFileSync(`${base}-time.svg`, charts.time + '\n');
}
process.stdout.write(table);
