// Remakes every generated table and chart under lab/results/ from the raw runs beside it
// (lab/src/tables.ts lists them); --check only compares and exits 1 on a difference.
// usage: tsx lab/tools/tables.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tables } from '../src/tables.ts';

const dir = fileURLToPath(new URL('../results/', import.meta.url));
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const { file, text } of tables((f) => readFileSync(dir + f, 'utf8'))) {
  let old: string | null = null;
  try {
    old = readFileSync(dir + file, 'utf8');
  } catch {
    // a missing output counts as stale
  }
  if (old === text) continue;
  stale.push(file);
  if (!check) writeFileSync(dir + file, text);
}
const verb = check ? 'differ from their runs' : 'rewritten';
console.log(
  stale.length
    ? `tables: ${stale.length} ${verb}: ${stale.join(', ')}`
    : 'tables: every generated file matches its runs',
);
if (check && stale.length) process.exit(1);
