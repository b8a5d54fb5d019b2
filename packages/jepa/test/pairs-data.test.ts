// The shipped labelled pairs cannot leak into evaluation: no pair title is a dev title, the counts
// are NOTICE.md's, and, where the upstream files are at hand (../shared; not in CI), the file is
// exactly what scripts/data/make-pairs.ts makes, with no pair's cluster reaching a test title.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ISSUE_RULE, readUpstream, selectPairs, titleKey } from '../../../scripts/data/labelled-pairs.ts';
import { ASKUBUNTU_DEV_PATH, ASKUBUNTU_PAIRS_PATH, loadPairs, loadRerankJsonl } from '../src/data/index.ts';

const UPSTREAM = fileURLToPath(new URL('../../../../shared/data/askubuntu-rodrigues2017/noclue/', import.meta.url));
const haveUpstream = existsSync(`${UPSTREAM}train_titles.tsv`);

describe('shipped labelled pairs', () => {
  const pairs = loadPairs();

  it('holds the documented 4816 pairs over 8062 titles, none repeated or of a title with itself', () => {
    expect(pairs.length).toBe(4816);
    expect(new Set(pairs.flat().map(titleKey)).size).toBe(8062);
    const keys = pairs.map(([a, b]) => [titleKey(a), titleKey(b)].sort().join('\t'));
    expect(new Set(keys).size).toBe(pairs.length);
    expect(pairs.every(([a, b]) => titleKey(a) !== titleKey(b))).toBe(true);
  });

  it('shares no title with the dev set (queries, positives, negatives; case and spacing aside)', () => {
    const dev = new Set(loadRerankJsonl(ASKUBUNTU_DEV_PATH).flatMap((q) => [q.query, ...q.positive, ...q.negative]));
    expect(dev.size).toBe(6920);
    const devKeys = new Set([...dev].map(titleKey));
    expect(pairs.flat().filter((t) => devKeys.has(titleKey(t)))).toEqual([]);
  });

  it.skipIf(!haveUpstream)(
    'is what make-pairs makes, and no pair cluster reaches a test title (needs ../shared)',
    () => {
      const files = readUpstream(UPSTREAM);
      const sel = selectPairs(files);
      const shipped = readFileSync(ASKUBUNTU_PAIRS_PATH, 'utf8');
      expect(sel.pairs.map(([a, b]) => `${a}\t${b}\n`).join('')).toBe(shipped);
      const root = (t: string) => sel.clusters.root(titleKey(t));
      const test = new Set(files.test.flatMap((r) => [root(r.a), root(r.b)]));
      expect(sel.pairs.filter(([a]) => test.has(root(a)))).toEqual([]);
      // Issue #24's count, reproduced: train labels only, exact titles, every row.
      const issue = selectPairs(files, ISSUE_RULE);
      expect([issue.rows, issue.rowTitles]).toEqual([4838, 8085]);
    },
  );
});
