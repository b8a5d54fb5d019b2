// report.html in a run dir (Node): written by the trainer at the end of a run, and drawn again when
// more is known (the CLI adds the baselines and the recipe once they are computed). The page is
// redrawn from metrics.jsonl, train-config.json and the JSON block the page itself carries.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPORT_DATA_ID, renderReport, type MetricRecord, type ReportInput } from './html.ts';

export const REPORT_FILE = 'report.html';

/** Write `out`/report.html. */
export async function writeReport(out: string, input: ReportInput): Promise<void> {
  await writeFile(join(out, REPORT_FILE), renderReport(input));
}

/** The metrics records of a run dir (metrics.jsonl; none if absent). */
export async function readMetrics(out: string): Promise<MetricRecord[]> {
  const path = join(out, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as MetricRecord;
      } catch (e) {
        throw new Error(`${path}:${i + 1}: invalid JSON (${(e as Error).message})`);
      }
    });
}

/** What report.html was drawn from: its own JSON block, the run's metrics and config. A report
 *  from before the block existed (or none) gives what the files hold, titled by the dir. */
export async function readReportInput(out: string): Promise<ReportInput> {
  const configPath = join(out, 'train-config.json');
  if (!existsSync(configPath)) throw new Error(`${out}: no train-config.json, so not a run dir`);
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  const records = await readMetrics(out);
  const htmlPath = join(out, REPORT_FILE);
  let saved: Partial<ReportInput> = {};
  if (existsSync(htmlPath)) {
    const html = await readFile(htmlPath, 'utf8');
    const m = html.match(new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([^<]*)</script>`));
    if (m) saved = JSON.parse(m[1]!) as Partial<ReportInput>;
  }
  const steps = records.at(-1)?.step;
  return {
    title: saved.title ?? `${String(config.objective)} (${String(config.preset)}) — ${steps ?? 0} steps`,
    ...saved,
    config,
    records,
  };
}

/** Redraw `out`/report.html with `more` (baselines, recipe) over what it was drawn from. */
export async function updateReport(out: string, more: Partial<ReportInput>): Promise<void> {
  const input = await readReportInput(out);
  await writeReport(out, { ...input, ...Object.fromEntries(Object.entries(more).filter(([, v]) => v !== undefined)) });
}
