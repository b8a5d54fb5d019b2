// pnpm eval --model DIR|tfidf|random|random-init [--task askubuntu|askubuntu-lei|stsb] [--file PATH]
// Prints one JSON line with the metrics as the last line of stdout.
import { loadLeiRerank } from '../data/lei.ts';
import { ASKUBUNTU_DEV_PATH, STSB_DEV_PATH } from '../data/paths.ts';
import { loadRerankJsonl } from '../data/rerank.ts';
import { loadStsb } from '../data/stsb.ts';
import { loadTrainPool } from '../data/train.ts';
import { randomScorer } from '../eval/baselines.ts';
import { evaluateRerank } from '../eval/rerank.ts';
import { evaluateStsb } from '../eval/stsb.ts';
import { TfIdf } from '../eval/tfidf.ts';
import type { SentenceEncoder } from '../model/encoder.ts';
import { loadEncoder, randomEncoder } from '../model/load.ts';
import { parseArgs, type Pooling } from '../train/config.ts';
import { runCli } from './common.ts';

const USAGE = 'usage: pnpm eval --model DIR|tfidf|random|random-init [--preset tiny] [--task askubuntu|askubuntu-lei|stsb] [--file PATH] [--pooling cls|mean|max|sif] [--split dev|test]';

await runCli(async () => {
  const { flags } = parseArgs(process.argv.slice(2));
  if (flags.help || !flags.model) {
    console.log(USAGE);
    return flags.help ? 0 : 1;
  }
  const task = flags.task ?? 'askubuntu';
  const pooling = flags.pooling as Pooling | undefined;
  if (pooling && !['cls', 'mean', 'max', 'sif'].includes(pooling)) throw new Error(`--pooling: expected cls|mean|max|sif, got ${pooling}`);
  const model = flags.model;
  const lexical = model === 'tfidf' || model === 'random';
  let enc: SentenceEncoder | null = null;
  if (!lexical) {
    enc = model === 'random-init'
      ? await randomEncoder((flags.preset ?? 'tiny') as 'tiny', { pooling, seed: Number(flags.seed ?? 1), trainFile: flags.pool })
      : await loadEncoder(model, { pooling, lenient: flags.lenientLoad === 'true' });
  }
  const embed = (t: string[]) => enc!.embed(t);
  const t0 = Date.now();
  let result: Record<string, unknown>;
  if (task === 'askubuntu' || task === 'askubuntu-lei') {
    const file = flags.file ?? ASKUBUNTU_DEV_PATH;
    const queries = task === 'askubuntu' ? loadRerankJsonl(file) : loadLeiRerank(file, (flags.split ?? 'dev') as 'dev');
    const scorer = model === 'tfidf' ? new TfIdf(loadTrainPool(flags.pool)).scorer() : model === 'random' ? randomScorer(Number(flags.seed ?? 1)) : embed;
    const m = await evaluateRerank(queries, scorer);
    result = { task, file, model, queries: m.queries, map: round(m.map), mrr10: round(m.mrr10) };
  } else if (task === 'stsb') {
    if (lexical) throw new Error('--task stsb needs an encoder (--model DIR or random-init)');
    const file = flags.file ?? STSB_DEV_PATH;
    const m = await evaluateStsb(loadStsb(file), embed);
    result = { task, file, model, pairs: m.pairs, spearman: round(m.spearman) };
  } else {
    throw new Error(`--task: unknown "${task}" (askubuntu, askubuntu-lei, stsb)`);
  }
  if (enc) result.pooling = enc.pooling;
  result.seconds = round((Date.now() - t0) / 1000);
  enc?.bert.dispose();
  console.log(JSON.stringify(result));
  return 0;
});

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
