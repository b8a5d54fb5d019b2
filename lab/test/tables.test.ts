// The lab still reproduces its tables: every generated file under lab/results/ comes out of its
// committed raw runs byte for byte, and every other file there says what made it.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HAND_MADE, tables } from '../src/tables.ts';

const dir = fileURLToPath(new URL('../results/', import.meta.url));
const read = (f: string) => readFileSync(dir + f, 'utf8');

describe('lab tables', () => {
  const outputs = tables(read);

  it.each(outputs.map((o) => [o.file, o.text]))('%s is remade from its runs', (file, text) => {
    expect(read(file)).toBe(text);
  });

  it('every table and chart is generated or says what made it', () => {
    const generated = new Set(outputs.map((o) => o.file));
    const loose = readdirSync(dir).filter((f) => /\.(md|svg|csv)$/.test(f) && !generated.has(f) && !(f in HAND_MADE));
    expect(loose).toEqual([]);
    for (const f of Object.keys(HAND_MADE)) expect(readdirSync(dir)).toContain(f);
  });
});
