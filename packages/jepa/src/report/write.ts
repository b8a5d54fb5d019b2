// report.html in a run dir (Node): written by the trainer at the end of a run, and drawn again when
// more is known (the CLI adds the baselines and the recipe once they are computed). The page is
// redrawn from metrics.jsonl, train-config.json and the JSON block the page itself carries.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@jepa/nn';
import { REPORT_DATA_ID, renderReport, type MetricRecord, type ReportInput } from './html.ts';

export const REPORT_FILE = 'report.html';

/** Write `out`/report.html (atomically: a failed write leaves the earlier page). */
export async function writeReport(out: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(join(out, REPORT_FILE), renderReport(input));
}

/**
 * The metrics records of a run dir (metrics.jsonl; none if absent), each checked. The records are
 * appended one line at a time, so a crash mid-append can leave the last line cut short (no newline):
 * that line is dropped, everything before it is whole. A bad line anywhere else is an error naming it.
 */
export async function readMetrics(out: string): Promise<MetricRecord[]> {
  const path = join(out, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, 'utf8')).split('\n');
  const torn = lines.at(-1) === '' ? -1 : lines.length - 1;
  const records: MetricRecord[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (e) {
      if (i === torn) return;
      throw new Error(`${path}:${i + 1}: invalid JSON (${(e as Error).message})`);
    }
    records.push(checkRecord(r, `${path}:${i + 1}`));
  });
  return records;
}

function checkRecord(r: unknown, where: string): MetricRecord {
  if (r === null || typeof r !== 'object' || Array.isArray(r))
    throw new Error(`${where}: a record must be a JSON object, got ${JSON.stringify(r)}`);
  const { kind, step } = r as Record<string, unknown>;
  if (kind !== 'train' && kind !== 'eval')
    throw new Error(`${where}: "kind" must be "train" or "eval", got ${JSON.stringify(kind) ?? 'nothing'}`);
  if (!(typeof step === 'number' && Number.isSafeInteger(step) && step >= 0))
    throw new Error(`${where}: "step" must be a non-negative integer, got ${JSON.stringify(step) ?? 'nothing'}`);
  return r as MetricRecord;
}

/** What report.html was drawn from: its own JSON block, the run's metrics and config. A report
 *  from before the block existed (or none) gives what the files hold, titled by the dir. */
export async function readReportInput(out: string): Promise<ReportInput> {
  const configPath = join(out, 'train-config.json');
  if (!existsSync(configPath)) throw new Error(`${out}: no train-config.json, so not a run dir`);
  const config = parseJson(await readFile(configPath, 'utf8'), configPath);
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new Error(`${configPath}: expected a JSON object, got ${JSON.stringify(config)}`);
  const records = await readMetrics(out);
  const htmlPath = join(out, REPORT_FILE);
  let saved: Partial<ReportInput> = {};
  if (existsSync(htmlPath)) {
    const html = await readFile(htmlPath, 'utf8');
    const m = html.match(new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([^<]*)</script>`));
    if (m) saved = parseJson(m[1]!, `${htmlPath} (its "${REPORT_DATA_ID}" block)`) as Partial<ReportInput>;
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

function parseJson(text: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${where}: invalid JSON (${(e as Error).message})`);
  }
}
