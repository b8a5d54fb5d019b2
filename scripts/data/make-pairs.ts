// Makes packages/jepa/data/askubuntu-pairs/train-pairs.tsv (`title1 \t title2`, train_titles.tsv
// order) from the upstream AskUbuntu pair files, checks it cannot leak into the dev set, and prints
// the counts (NOTICE.md records them). Run: node --import tsx scripts/data/make-pairs.ts [UPSTREAM_DIR]
// UPSTREAM_DIR defaults to ../shared/data/askubuntu-rodrigues2017/noclue beside the repo.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ISSUE_RULE, readUpstream, selectPairs, titleKey } from './labelled-pairs.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const upstream = process.argv[2] ?? `${root}../shared/data/askubuntu-rodrigues2017/noclue`;
const OUT = `${root}packages/jepa/data/askubuntu-pairs/train-pairs.tsv`;
const DEV = `${root}packages/jepa/data/askubuntu-rerank/dev.jsonl`;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`make-pairs: ${what}`);
  console.log(`ok: ${what}`);
}

const files = readUpstream(upstream);
const sel = selectPairs(files);
const issue = selectPairs(files, ISSUE_RULE);
const say = (s: typeof sel) =>
  `${s.pairs.length} pairs over ${s.titles} titles (${s.rows} duplicate rows over ${s.rowTitles} titles, less ${s.selfPairs} of a title with itself and ${s.repeats} repeats)`;
console.log(`kept ${say(sel)}; clusters from the labels of train, test and val`);
console.log(`issue #24's rule (train labels, exact titles): ${say(issue)}`);

// Cluster level: no kept title shares a cluster with any title of the test file.
const testTitles = files.test.flatMap((r) => [r.a, r.b]);
const rootOf = (t: string) => sel.clusters.root(titleKey(t));
const testRoots = new Set(testTitles.map(rootOf));
check(
  sel.pairs.every(([a, b]) => !testRoots.has(rootOf(a)) && !testRoots.has(rootOf(b))),
  "no kept pair's cluster holds a test_titles.tsv title",
);
// Title level, in the compared form (whitespace collapsed, lowercased): no test or dev title is a pair title.
const kept = new Set(sel.pairs.flat().map(titleKey));
check(
  !testTitles.some((t) => kept.has(titleKey(t))),
  'no kept title equals a test_titles.tsv title (case and spacing aside)',
);
const dev = readFileSync(DEV, 'utf8')
  .split('\n')
  .filter(Boolean)
  .flatMap((l) => {
    const q = JSON.parse(l) as { query: string; positive: string[]; negative: string[] };
    return [q.query, ...q.positive, ...q.negative];
  });
check(!dev.some((t) => kept.has(titleKey(t))), `no kept title equals one of the ${new Set(dev).size} dev titles`);
check(
  sel.pairs.every(([a, b]) => !/[\t\n\r]/.test(a + b) && a !== '' && b !== ''),
  'titles are one-line, non-empty',
);

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, sel.pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
console.log(`wrote ${OUT}`);
