// The labelled AskUbuntu pairs @jepa/jepa ships (packages/jepa/data/askubuntu-pairs/): the `duplicate`
// pairs of Rodrigues et al.'s train_titles.tsv whose duplicate cluster reaches no title of
// test_titles.tsv, the file every dev and held-out rerank title comes from. Clusters join the
// `duplicate` labels of all three upstream files transitively (union-find over titles), so a label
// of val.tsv linking a train pair to a test title drops that pair too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabelledRow {
  label: 'duplicate' | 'non-duplicate';
  a: string;
  b: string;
}

/** An HTML tag opening the body after a val.tsv title (`Title<p>body…`); a title's own `<package>` is not one. */
const BODY_TAG = /<(p|pre|code|ul|ol|li|blockquote|h[1-6]|div|hr|br|table|img|a|strong|em|b|i)\b[^>]*>/;

/** A val.tsv text is the title followed by the raw HTML body: the title is what comes before the body. */
export function valTitle(text: string): string {
  const m = BODY_TAG.exec(text);
  return (m ? text.slice(0, m.index) : text).trim();
}

/** Parse `label \t text1 \t text2` lines; `title` maps a text to its title (trimmed, as the pool is). */
export function parseLabelled(
  text: string,
  file: string,
  title: (s: string) => string = (s) => s.trim(),
): LabelledRow[] {
  const rows: LabelledRow[] = [];
  text.split('\n').forEach((line, i) => {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l.trim() === '') return;
    const f = l.split('\t');
    if (f.length !== 3) throw new Error(`${file}:${i + 1}: expected 3 tab-separated fields, got ${f.length}`);
    if (f[0] !== 'duplicate' && f[0] !== 'non-duplicate')
      throw new Error(`${file}:${i + 1}: label must be duplicate or non-duplicate, got "${f[0]}"`);
    rows.push({ label: f[0], a: title(f[1]), b: title(f[2]) });
  });
  return rows;
}

/** Union-find over titles, path-halving. */
export class Clusters {
  private parent = new Map<string, string>();

  root(x: string): string {
    if (!this.parent.has(x)) this.parent.set(x, x);
    let p = this.parent.get(x)!;
    while (p !== x) {
      const g = this.parent.get(p)!;
      this.parent.set(x, g);
      x = p;
      p = this.parent.get(x)!;
    }
    return x;
  }

  join(a: string, b: string): void {
    const ra = this.root(a);
    const rb = this.root(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

export interface UpstreamFiles {
  train: LabelledRow[];
  test: LabelledRow[];
  val: LabelledRow[];
}

/** Read the three upstream files from `dir` (…/askubuntu-rodrigues2017/noclue). */
export function readUpstream(dir: string): UpstreamFiles {
  const read = (name: string, title?: (s: string) => string) =>
    parseLabelled(readFileSync(join(dir, name), 'utf8'), join(dir, name), title);
  return { train: read('train_titles.tsv'), test: read('test_titles.tsv'), val: read('val.tsv', valTitle) };
}

export interface PairSelection {
  /** Kept pairs in train_titles.tsv order, each once. */
  pairs: [string, string][];
  /** Distinct titles of the kept pairs (by the rule's key). */
  titles: number;
  /** The duplicate rows outside the held clusters, and their distinct titles: how issue #24 counted. */
  rows: number;
  rowTitles: number;
  /** Of those rows: a title paired with itself (dropped), a pair already kept (either way round; dropped). */
  selfPairs: number;
  repeats: number;
  /** The clusters the selection was made with. */
  clusters: Clusters;
}

/** A title as clusters and checks compare it: whitespace collapsed (as the rerank sets store titles) and
 *  lowercased, so a train title differing from a test title only in case or spacing counts as that title. */
export function titleKey(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

export interface SelectRule {
  /** Whose duplicate labels join clusters. */
  join: (keyof UpstreamFiles)[];
  /** What makes two titles one. */
  key: (title: string) => string;
}

/** The shipped rule: every file's labels, titles compared case- and spacing-blind. */
export const SHIPPED_RULE: SelectRule = { join: ['train', 'test', 'val'], key: titleKey };
/** Issue #24's count (4 838 rows over 8 085 titles): train labels only (test's add nothing), exact titles. */
export const ISSUE_RULE: SelectRule = { join: ['train'], key: (s) => s };

/**
 * Duplicate pairs of `train` whose cluster (labels of the files in `join`, over title keys) holds no
 * title of `test`; a pair repeated (either way round) or of one title with itself is kept once or not at all.
 */
export function selectPairs(f: UpstreamFiles, rule: SelectRule = SHIPPED_RULE): PairSelection {
  const { join, key: titleKey } = rule;
  const clusters = new Clusters();
  for (const k of join) for (const r of f[k]) if (r.label === 'duplicate') clusters.join(titleKey(r.a), titleKey(r.b));
  const held = new Set(f.test.flatMap((r) => [clusters.root(titleKey(r.a)), clusters.root(titleKey(r.b))]));
  const seen = new Set<string>();
  const out: PairSelection = { pairs: [], rows: 0, rowTitles: 0, selfPairs: 0, repeats: 0, titles: 0, clusters };
  const rowTitles = new Set<string>();
  for (const r of f.train) {
    const [ka, kb] = [titleKey(r.a), titleKey(r.b)];
    if (r.label !== 'duplicate' || held.has(clusters.root(ka))) continue;
    out.rows++;
    rowTitles.add(ka).add(kb);
    const key = ka < kb ? `${ka}\t${kb}` : `${kb}\t${ka}`;
    if (ka === kb) out.selfPairs++;
    else if (seen.has(key)) out.repeats++;
    else {
      seen.add(key);
      out.pairs.push([r.a, r.b]);
    }
  }
  out.rowTitles = rowTitles.size;
  out.titles = new Set(out.pairs.flat().map(titleKey)).size;
  return out;
}
