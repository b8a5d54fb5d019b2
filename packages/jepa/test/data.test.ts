import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ASKUBUNTU_DEV_PATH,
  DATA_DIR,
  STSB_DEV_PATH,
  TRAIN_TITLES_PATH,
  loadLeiRerank,
  loadRerankJsonl,
  loadStsb,
  loadTrainPool,
  readLines,
  splitLines,
} from '../src/data/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'jepa-data-'));
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const LEI_DIR = fileURLToPath(new URL('./fixtures/lei/', import.meta.url));

describe('readLines', () => {
  it('skips blank lines, reports them, keeps physical line numbers, handles CRLF and BOM', () => {
    const r = splitLines('\ufeffa\r\n\n  \t\nb\nc\n');
    expect(r).toEqual({ lines: ['a', 'b', 'c'], lineNumbers: [1, 4, 5], skipped: 2 });
    expect(splitLines('x').lines).toEqual(['x']);
    expect(splitLines('')).toEqual({ lines: [], lineNumbers: [], skipped: 0 });
    expect(readLines(write('l.txt', 'one\n\ntwo'))).toEqual({ lines: ['one', 'two'], lineNumbers: [1, 3], skipped: 1 });
  });
});

describe('shipped data paths', () => {
  it('point inside the package, not at /work/shared', () => {
    for (const p of [DATA_DIR, TRAIN_TITLES_PATH, ASKUBUNTU_DEV_PATH, STSB_DEV_PATH]) {
      expect(p).toContain(join('packages', 'jepa', 'data'));
      expect(p).not.toContain('/work/shared');
    }
  });
});

describe('loadTrainPool', () => {
  it('loads the shipped 34022 titles by default', () => {
    const pool = loadTrainPool();
    expect(pool).toHaveLength(34022);
    expect(pool.every((s) => s.length > 0 && s === s.trim())).toBe(true);
  });

  it('reads a given file, trimming and skipping blanks; an empty pool is an error', () => {
    expect(loadTrainPool(write('pool.txt', ' first title \n\nsecond\n'))).toEqual(['first title', 'second']);
    expect(() => loadTrainPool(write('empty.txt', '\n\n'))).toThrow(/empty/);
  });
});

describe('loadRerankJsonl', () => {
  it('loads the shipped dev set: 710 queries x 20 candidates', () => {
    const dev = loadRerankJsonl(ASKUBUNTU_DEV_PATH);
    expect(dev).toHaveLength(710);
    for (const q of dev) {
      expect(q.positive.length).toBeGreaterThan(0);
      expect(q.positive.length + q.negative.length).toBe(20);
    }
    expect(dev[0]!.query).toBe(
      'Unable to lock the administration directory (/var/lib/dpkg/) is another process using it?',
    );
  });

  const ok = JSON.stringify({ query: 'q', positive: ['p'], negative: ['n'] });
  const cases: [string, string, RegExp][] = [
    ['not json', '{"query": "q", ', /invalid JSON/],
    ['array', '[1, 2]', /expected a JSON object/],
    ['no query', JSON.stringify({ positive: [], negative: [] }), /"query" must be a non-empty string/],
    ['missing negative', JSON.stringify({ query: 'q', positive: ['p'] }), /missing "negative"/],
    [
      'bad positive',
      JSON.stringify({ query: 'q', positive: 'p', negative: [] }),
      /"positive" must be an array of strings/,
    ],
    [
      'non-string negative',
      JSON.stringify({ query: 'q', positive: [], negative: [1] }),
      /"negative" must be an array of strings/,
    ],
  ];
  it.each(cases)('malformed line (%s) -> error naming file:line', (name, bad, re) => {
    const p = write(`${name.replace(/ /g, '_')}.jsonl`, `${ok}\n\n${bad}\n`);
    expect(() => loadRerankJsonl(p)).toThrow(`${p}:3: `);
    expect(() => loadRerankJsonl(p)).toThrow(re);
  });

  it('keeps queries without positives/negatives (metrics exclude them)', () => {
    const p = write('edge.jsonl', `${ok}\n${JSON.stringify({ query: 'q2', positive: [], negative: ['n'] })}\n`);
    expect(loadRerankJsonl(p).map((q) => q.positive.length)).toEqual([1, 0]);
  });
});

describe('loadLeiRerank', () => {
  it('reads the Lei et al. layout, titles only, skipping queries without similar ids', () => {
    const qs = loadLeiRerank(LEI_DIR);
    expect(qs.map((q) => q.id)).toEqual(['101', '102', '104', '105']);
    expect(qs[0]).toEqual({
      id: '101',
      query: 'how do i install java on ubuntu ?',
      positive: ['installing oracle java 8', 'java runtime installation on 14.04'],
      negative: ['how do i install python 3 ?', 'java applet not loading in firefox', 'install eclipse ide'],
    });
    // Similar id 999 is not a candidate: labels come from the candidate list, as in Lei's eval.
    expect(qs[3]!.positive).toEqual(['mounting ntfs partitions automatically']);
    expect(qs[3]!.negative).toEqual(['mount a usb drive read-only', 'change terminal colors']);
  });

  it('names file:line for malformed rows and unknown ids', () => {
    const dir = mkdtempSync(join(tmp, 'lei-'));
    const gz = join(LEI_DIR, 'text_tokenized.txt.gz');
    writeFileSync(join(dir, 'text_tokenized.txt.gz'), readFileSync(gz));
    writeFileSync(join(dir, 'dev.txt'), '101\t201\t201 301\n\n102 203\n');
    expect(() => loadLeiRerank(dir)).toThrow(`${join(dir, 'dev.txt')}:3: expected >= 3 tab-separated fields`);
    writeFileSync(join(dir, 'test.txt'), '101\t201\t201 12345\t1 2\n');
    expect(() => loadLeiRerank(dir, 'test')).toThrow(/test\.txt:1: id 12345 not found/);
  });
});

describe('loadStsb', () => {
  it('loads the shipped dev split (1500 pairs, rows with extra columns, quotes kept)', () => {
    const pairs = loadStsb();
    expect(pairs).toHaveLength(1500);
    expect(pairs[0]).toEqual({
      s1: 'A man with a hard hat is dancing.',
      s2: 'A man wearing a hard hat is dancing.',
      score: 5,
    });
    expect(pairs.every((p) => p.score >= 0 && p.score <= 5)).toBe(true);
    expect(pairs.some((p) => p.s1.includes('"') || p.s2.includes('"'))).toBe(true);
  });

  it('reads only the first 7 fields, with no CSV quoting', () => {
    const p = write('sts.csv', 'g\tf\t2012\t0001\t3.5\t"Hi," he said.\tHello\textra1\textra2\n');
    expect(loadStsb(p)).toEqual([{ s1: '"Hi," he said.', s2: 'Hello', score: 3.5 }]);
  });

  it('malformed rows -> error naming file:line', () => {
    const good = 'g\tf\t2012\t0001\t1.0\ta\tb\n';
    const few = write('few.csv', `${good}g\tf\t2012\t0002\t1.0\tonly one\n`);
    expect(() => loadStsb(few)).toThrow(`${few}:2: expected >= 7 tab-separated fields, got 6`);
    const badScore = write('score.csv', `${good}\ng\tf\t2012\t0002\tfive\ta\tb\n`);
    expect(() => loadStsb(badScore)).toThrow(`${badScore}:3: score (field 5)`);
    const range = write('range.csv', 'g\tf\t2012\t0002\t5.5\ta\tb\n');
    expect(() => loadStsb(range)).toThrow(/:1: score/);
  });
});
