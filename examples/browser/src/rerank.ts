// The reranking panel: an AskUbuntu dev query and its candidates, ranked by cosine similarity with
// the loaded model, the known duplicates (positives) marked; the panel's numbers are what
// `pnpm eval` averages over the whole dev set (AP per query).
import { averagePrecision, cosineSimilarity, type Label } from '@jepa/jepa';

export interface DevQuery {
  query: string;
  positive: string[];
  negative: string[];
}

export interface Ranked {
  text: string;
  positive: boolean;
  score: number;
}

/** The first `n` dev queries that can be ranked (at least one positive and one negative). */
export function devQueries(jsonl: string, n: number): DevQuery[] {
  const out: DevQuery[] = [];
  for (const line of jsonl.split('\n')) {
    if (out.length >= n) break;
    if (!line.trim()) continue;
    const q = JSON.parse(line) as DevQuery;
    if (q.positive?.length && q.negative?.length) out.push(q);
  }
  return out;
}

/** The candidates of `q` in the order they are embedded: positives, then negatives. */
export const candidates = (q: DevQuery): { text: string; positive: boolean }[] => [
  ...q.positive.map((text) => ({ text, positive: true })),
  ...q.negative.map((text) => ({ text, positive: false })),
];

/** Candidates by descending cosine with the query (ties keep their order, as a stable sort does). */
export function rank(
  queryVec: Float32Array,
  cands: { text: string; positive: boolean }[],
  vecs: Float32Array[],
): Ranked[] {
  return cands.map((c, i) => ({ ...c, score: cosineSimilarity(queryVec, vecs[i]!) })).sort((a, b) => b.score - a.score);
}

/** The query's average precision (×100, as MAP is reported). */
export const apOf = (ranked: Ranked[]): number =>
  100 *
  averagePrecision(
    ranked.map((r) => r.score),
    ranked.map((r): Label => (r.positive ? 1 : 0)),
  );

export function renderRanking(table: HTMLTableElement, ranked: Ranked[]): void {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const h of ['rank', 'cosine', '', 'candidate']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  const body = table.createTBody();
  const lo = Math.min(...ranked.map((r) => r.score)),
    hi = Math.max(...ranked.map((r) => r.score));
  ranked.forEach((r, i) => {
    const tr = body.insertRow();
    tr.className = r.positive ? 'positive' : '';
    tr.insertCell().textContent = String(i + 1);
    tr.insertCell().textContent = r.score.toFixed(3);
    // A bar scaled over this query's range of cosines: the spread is what reranking reads.
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(4 + 96 * ((r.score - lo) / (hi - lo || 1))).toFixed(0)}px`;
    tr.insertCell().appendChild(bar);
    const text = tr.insertCell();
    text.textContent = r.positive ? `✓ ${r.text}` : r.text;
    if (r.positive) text.title = 'a known duplicate of the query (a positive)';
  });
}
