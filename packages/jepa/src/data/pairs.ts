// Labelled pairs for `--objective pairs` / `--aux pairs`: a TSV of `title1 \t title2` per line
// (the shipped file: AskUbuntu duplicates that reach no dev or held-out title, see data/NOTICE.md).
import { Rng } from '../util/rng.ts';
import { readLines } from './lines.ts';
import { ASKUBUNTU_PAIRS_PATH } from './paths.ts';

export type Pair = readonly [string, string];

/** The fixed seed of the shuffle `--pairs-limit` takes its first K pairs from (not the run's seed,
 *  so K = 100 is a subset of K = 300 for every run seed). */
export const PAIRS_SHUFFLE_SEED = 24;

/** Read a pairs file: two non-empty tab-separated fields a line, blank lines skipped; errors name file:line. */
export function loadPairs(path: string = ASKUBUNTU_PAIRS_PATH): Pair[] {
  const { lines, lineNumbers } = readLines(path);
  const pairs = lines.map((line, i): Pair => {
    const f = line.split('\t');
    const where = `${path}:${lineNumbers[i]}`;
    if (f.length !== 2) throw new Error(`${where}: expected 2 tab-separated fields (title1, title2), got ${f.length}`);
    const [a, b] = [f[0].trim(), f[1].trim()];
    if (!a || !b) throw new Error(`${where}: an empty title`);
    return [a, b];
  });
  if (pairs.length < 2) throw new Error(`${path}: needs at least 2 pairs (in-batch negatives), got ${pairs.length}`);
  return pairs;
}

/** The first `k` pairs of a fixed shuffle (PAIRS_SHUFFLE_SEED) of `pairs`; k = 0 keeps them all (unshuffled). */
export function limitPairs(pairs: readonly Pair[], k: number, from = 'pairs file'): Pair[] {
  if (k === 0) return [...pairs];
  if (k > pairs.length) throw new Error(`--pairs-limit: the ${from} has ${pairs.length} pairs, got ${k}`);
  if (k < 2) throw new Error(`--pairs-limit: at least 2 pairs (in-batch negatives), got ${k}`);
  return Rng.fromSeed(PAIRS_SHUFFLE_SEED)
    .shuffle([...pairs])
    .slice(0, k);
}

/** Does a run train on labelled pairs (and so read them)? */
export function usesPairs(cfg: { objective: string; aux: string }): boolean {
  return cfg.objective === 'pairs' || cfg.aux === 'pairs';
}

/** The pairs a run trains on: `pairsFile` (default: the shipped file), limited to `pairsLimit`. */
export function loadTrainPairs(cfg: { pairsFile: string | null; pairsLimit: number }): Pair[] {
  const path = cfg.pairsFile ?? ASKUBUNTU_PAIRS_PATH;
  return limitPairs(loadPairs(path), cfg.pairsLimit, path);
}
