// Every relative link in the README, docs/ and the lab's pages points at a file that exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const pages = [
  'README.md',
  'lab/README.md',
  'lab/RESULTS.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

it('relative links in README.md, docs/*.md and lab/*.md resolve', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (!target || /^[a-z]+:/.test(target)) continue; // an anchor in the page, or a URL
      if (!existsSync(join(root, dirname(page), target))) broken.push(`${page}: ${m[1]}`);
    }
  }
  expect(broken).toEqual([]);
});

it('the README stays a front door: at most 16 KB', () => {
  expect(readFileSync(join(root, 'README.md')).length).toBeLessThanOrEqual(16 * 1024);
});
