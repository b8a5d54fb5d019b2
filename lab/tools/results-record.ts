// One seeds-harness line (a RunResult) from a finished run: the train CLI's JSON line (final dev
// MAP / MRR@10 on the whole dev set), an optional STS-B eval line, and the run's metrics.jsonl curve.
// usage: tsx lab/tools/results-record.ts NAME SEED WALL_S RUN_DIR FLAGS [STSB_JSON_FILE]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRecord } from '@jepa/jepa';
import { curveOf, type RunResult } from '../src/results.ts';

const [name, seed, wall, dir, flags, stsbFile] = process.argv.slice(2);
if (!dir) {
  console.error('usage: tsx lab/tools/results-record.ts NAME SEED WALL_S RUN_DIR FLAGS [STSB_JSON_FILE]');
  process.exit(1);
}
const lastJson = (path: string) => {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as Record<string, number>;
  } catch {
    throw new Error(`${path}: the last line is not JSON (did the run fail?)`);
  }
};
const tr = lastJson(`${dir}.train.json`);
if (typeof tr.map !== 'number') throw new Error(`${dir}.train.json: no final "map" (did the run stop early?)`);
const records = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as MetricRecord);
const curve = curveOf(records);
// The final full-dev evaluation closes the curve when periodic evaluations ran.
const lastTrain = records.filter((r) => r.kind === 'train').at(-1);
if (curve.length && lastTrain && typeof lastTrain.elapsed === 'number' && curve.at(-1)![0] < lastTrain.step) {
  const evalSeconds = records
    .filter((r) => r.kind === 'eval' && r.step < lastTrain.step)
    .reduce((a, r) => a + (r.seconds as number), 0);
  curve.push([lastTrain.step, tr.map, lastTrain.elapsed - evalSeconds]);
}
const res: RunResult = {
  name,
  seed: Number(seed),
  flags,
  wall_s: Number(wall),
  askubuntu: { map: tr.map, mrr10: tr.mrr10 },
  ...(stsbFile && existsSync(stsbFile) ? { stsb: { spearman: lastJson(stsbFile).spearman } } : {}),
  ...(curve.length
    ? { curve: curve.map(([s, m, t]) => [s, +m.toFixed(3), +t.toFixed(1)] as [number, number, number]) }
    : {}),
};
console.log(JSON.stringify(res));
