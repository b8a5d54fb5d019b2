// Reranking data in the MTEB layout: one JSON object per line,
// {"query": str, "positive": [str, ...], "negative": [str, ...]}.
import { readLines } from './lines.ts';

export interface RerankQuery {
  query: string;
  positive: string[];
  negative: string[];
  /** Source id of the query where the format has one (Lei et al.). */
  id?: string;
}

function stringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** Parse one MTEB reranking line; throws `file:line: what` on anything malformed. */
export function parseRerankLine(line: string, where: string): RerankQuery {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: invalid JSON (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`${where}: expected a JSON object with query/positive/negative`);
  }
  const o = obj as Record<string, unknown>;
  if (typeof o.query !== 'string' || o.query.trim() === '') {
    throw new Error(`${where}: "query" must be a non-empty string`);
  }
  for (const key of ['positive', 'negative'] as const) {
    if (!(key in o)) throw new Error(`${where}: missing "${key}"`);
    if (!stringArray(o[key])) throw new Error(`${where}: "${key}" must be an array of strings`);
  }
  return { query: o.query, positive: o.positive as string[], negative: o.negative as string[] };
}

/**
 * Load an MTEB-layout reranking JSONL file. Queries with no positive or no negative are kept here;
 * the metrics exclude them (so counts stay visible to the caller).
 */
export function loadRerankJsonl(path: string): RerankQuery[] {
  const { lines, lineNumbers } = readLines(path);
  return lines.map((line, i) => parseRerankLine(line, `${path}:${lineNumbers[i]}`));
}
