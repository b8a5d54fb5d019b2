// pnpm eval --model DIR|tfidf|random|random-init [--task askubuntu|askubuntu-lei|stsb] [--file PATH]
// Prints one JSON line with the metrics as the last line of stdout.
import { loadLeiRerank } from '../data/lei.ts';
import { ASKUBUNTU_DEV_PATH, STSB_DEV_PATH } from '../data/paths.ts';
import { loadRerankJsonl } from '../data/rerank.ts';
import { loadStsb } from '../data/stsb.ts';
import { loadTrainPool } from '../data/train.ts';
import { randomScorer } from '../eval/baselines.ts';
import { evaluateRerank, requireEvaluable } from '../eval/rerank.ts';
import { evaluateStsb } from '../eval/stsb.ts';
import { TfIdf } from '../eval/tfidf.ts';
import { DEFAULT_MAX_TOKENS, type SentenceEncoder } from '../model/encoder.ts';
import type { EmbeddingInit } from '../model/init.ts';
import { loadEncoder, randomEncoder } from '../model/load.ts';
import type { Pooling } from '../model/encoder.ts';
import { CONFIG_FIELDS } from '../train/config.ts';
import { parseOptions, type OptionSpec } from './args.ts';
import { commandName, runCli } from './common.ts';
import { exitOnStop, leaveTsxRelay } from './interrupt.ts';

const CMD = commandName('eval');
const USAGE = `usage: ${CMD} --model DIR|tfidf|random|random-init [--preset tiny] [--task askubuntu|askubuntu-lei|stsb] [--file PATH] [--pooling cls|mean|max|sif] [--split dev|test] [--seed 1] [--pool FILE] [--lenient-load] [--embedding-init bert|words|ppmi] [--max-tokens ${DEFAULT_MAX_TOKENS}] (the last two: random-init)`;
const TASKS = ['askubuntu', 'askubuntu-lei', 'stsb'] as const;
const OPTIONS: OptionSpec = {
  model: 'str',
  preset: CONFIG_FIELDS.preset,
  task: TASKS,
  file: 'str',
  pooling: CONFIG_FIELDS.pooling,
  split: ['dev', 'test'],
  seed: 'int',
  pool: 'str',
  lenientLoad: 'bool',
  embeddingInit: CONFIG_FIELDS.embeddingInit,
  maxTokens: CONFIG_FIELDS.maxTokens,
  help: 'bool',
};

// Under the tsx CLI this process only relays stops to a plain node child (see leaveTsxRelay).
if (!(await leaveTsxRelay())) {
  exitOnStop(CMD);
  await runCli(async () => {
    const flags = parseOptions(CMD, process.argv.slice(2), OPTIONS) as {
      model?: string;
      preset?: 'tiny';
      task?: (typeof TASKS)[number];
      file?: string;
      pooling?: Pooling;
      split?: 'dev' | 'test';
      seed?: number;
      pool?: string;
      lenientLoad?: boolean;
      embeddingInit?: EmbeddingInit;
      maxTokens?: number;
      help?: boolean;
    };
    if (flags.help || !flags.model) {
      (flags.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
      return flags.help ? 0 : 1;
    }
    if (flags.maxTokens !== undefined && flags.model !== 'random-init')
      throw new Error(
        `--max-tokens: only with --model random-init (a model dir keeps the max tokens it was trained with), got --model ${flags.model}`,
      );
    if (flags.maxTokens !== undefined && flags.maxTokens < 3)
      throw new Error(`--max-tokens: must be at least 3 ([CLS] x [SEP]), got ${flags.maxTokens}`);
    const task = flags.task ?? 'askubuntu';
    const pooling = flags.pooling;
    const model = flags.model;
    const lexical = model === 'tfidf' || model === 'random';
    let enc: SentenceEncoder | null = null;
    if (!lexical) {
      enc =
        model === 'random-init'
          ? await randomEncoder(flags.preset ?? 'tiny', {
              pooling,
              seed: flags.seed ?? 1,
              trainFile: flags.pool,
              embeddingInit: flags.embeddingInit,
              maxTokens: flags.maxTokens,
            })
          : await loadEncoder(model, { pooling, lenient: flags.lenientLoad });
    }
    const embed = (t: string[]) =>
      enc!.embed(t).catch((e: Error) => {
        throw new Error(`--model ${model}: ${e.message}`);
      });
    const t0 = Date.now();
    let result: Record<string, unknown>;
    if (task === 'askubuntu' || task === 'askubuntu-lei') {
      const file = flags.file ?? ASKUBUNTU_DEV_PATH;
      const queries = task === 'askubuntu' ? loadRerankJsonl(file) : loadLeiRerank(file, flags.split ?? 'dev');
      requireEvaluable(queries, file);
      const scorer =
        model === 'tfidf'
          ? new TfIdf(loadTrainPool(flags.pool)).scorer()
          : model === 'random'
            ? randomScorer(flags.seed ?? 1)
            : embed;
      const m = await evaluateRerank(queries, scorer);
      result = { task, file, model, queries: m.queries, map: round(m.map), mrr10: round(m.mrr10) };
    } else {
      if (lexical) throw new Error('--task stsb needs an encoder (--model DIR or random-init)');
      const file = flags.file ?? STSB_DEV_PATH;
      const pairs = loadStsb(file);
      if (pairs.length < 2)
        throw new Error(`--file ${file}: ${pairs.length} sentence pairs; a Spearman correlation needs at least 2`);
      const m = await evaluateStsb(pairs, embed);
      result = { task, file, model, pairs: m.pairs, spearman: round(m.spearman) };
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
}
