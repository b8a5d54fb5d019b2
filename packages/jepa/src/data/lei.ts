// Lei et al. (2016) AskUbuntu layout: `<split>.txt` lines
// `query_id \t similar_ids \t candidate_ids [\t bm25_scores]` (space-separated id lists) and
// `text_tokenized.txt.gz` lines `id \t title \t body`. We use titles only, as the
// sentence-transformers TSDAE example does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readLines, splitLines } from './lines.ts';
import type { RerankQuery } from './rerank.ts';

const ids = (field: string): string[] =>
  field
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');

/**
 * Load a Lei-format split as reranking queries. Following Lei's evaluation, positives are the
 * candidates that are in the similar set and negatives the other candidates; queries with no
 * similar id are skipped.
 */
export function loadLeiRerank(dir: string, split = 'dev'): RerankQuery[] {
  const idsPath = join(dir, `${split}.txt`);
  const textPath = join(dir, 'text_tokenized.txt.gz');
  const { lines, lineNumbers } = readLines(idsPath);

  interface Row {
    qid: string;
    similar: Set<string>;
    candidates: string[];
    where: string;
  }
  const rows: Row[] = [];
  const needed = new Set<string>();
  lines.forEach((line, i) => {
    const where = `${idsPath}:${lineNumbers[i]}`;
    const f = line.split('\t');
    if (f.length < 3) throw new Error(`${where}: expected >= 3 tab-separated fields, got ${f.length}`);
    const qid = f[0]!.trim();
    if (!/^\S+$/.test(qid)) throw new Error(`${where}: bad query id ${JSON.stringify(f[0])}`);
    const similar = ids(f[1]!);
    if (similar.length === 0) return; // no labelled duplicate: not evaluable
    const candidates = ids(f[2]!);
    if (candidates.length === 0) throw new Error(`${where}: empty candidate list`);
    rows.push({ qid, similar: new Set(similar), candidates, where });
    needed.add(qid);
    for (const c of candidates) needed.add(c);
  });

  // Keep only the titles we need: the full file has 167K questions with bodies.
  const titles = new Map<string, string>();
  const text = splitLines(gunzipSync(readFileSync(textPath)).toString('utf8'));
  text.lines.forEach((line, i) => {
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`${textPath}:${text.lineNumbers[i]}: expected "id \\t title \\t body"`);
    const id = line.slice(0, tab).trim();
    if (!needed.has(id)) return;
    const end = line.indexOf('\t', tab + 1);
    titles.set(id, (end < 0 ? line.slice(tab + 1) : line.slice(tab + 1, end)).trim());
  });
  const title = (id: string, where: string): string => {
    const t = titles.get(id);
    if (t === undefined) throw new Error(`${where}: id ${id} not found in ${textPath}`);
    return t;
  };

  return rows.map((r) => ({
    id: r.qid,
    query: title(r.qid, r.where),
    positive: r.candidates.filter((c) => r.similar.has(c)).map((c) => title(c, r.where)),
    negative: r.candidates.filter((c) => !r.similar.has(c)).map((c) => title(c, r.where)),
  }));
}
