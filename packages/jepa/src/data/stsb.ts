// STS Benchmark: tab-separated, no header,
// `genre \t file \t year \t id \t score(0-5) \t sentence1 \t sentence2 [\t extra...]`.
// Some rows carry extra trailing columns, and sentences may contain quote characters, so we split
// on tabs, read only the first 7 fields and do no CSV unquoting.
import { readLines } from './lines.ts';
import { STSB_DEV_PATH } from './paths.ts';

export interface StsPair {
  s1: string;
  s2: string;
  /** Gold similarity in [0, 5]. */
  score: number;
}

export function loadStsb(path: string = STSB_DEV_PATH): StsPair[] {
  const { lines, lineNumbers } = readLines(path);
  return lines.map((line, i) => {
    const where = `${path}:${lineNumbers[i]}`;
    const f = line.split('\t');
    if (f.length < 7) throw new Error(`${where}: expected >= 7 tab-separated fields, got ${f.length}`);
    const scoreField = f[4]!.trim();
    const score = Number(scoreField);
    if (scoreField === '' || !Number.isFinite(score) || score < 0 || score > 5) {
      throw new Error(`${where}: score (field 5) must be a number in [0, 5], got ${JSON.stringify(f[4])}`);
    }
    const s1 = f[5]!.trim();
    const s2 = f[6]!.trim();
    if (s1 === '' || s2 === '') throw new Error(`${where}: empty sentence in field 6 or 7`);
    return { s1, s2, score };
  });
}
