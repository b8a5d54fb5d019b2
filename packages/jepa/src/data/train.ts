// The unsupervised training pool: one sentence (AskUbuntu title) per line.
import { readLines } from './lines.ts';
import { TRAIN_TITLES_PATH } from './paths.ts';

/** Load training sentences, trimmed, blank lines skipped. Defaults to the shipped title pool. */
export function loadTrainPool(path: string = TRAIN_TITLES_PATH): string[] {
  const { lines } = readLines(path);
  if (lines.length === 0) throw new Error(`${path}: training pool is empty`);
  return lines.map((l) => l.trim());
}
