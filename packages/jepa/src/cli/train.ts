// pnpm train [--recipe seed] [--config run.json] [--<option> value ...]
// Trains an encoder, evaluates it on the AskUbuntu dev set, and prints it beside the baselines.
import { readFileSync } from 'node:fs';
import { loadRerankJsonl } from '../data/rerank.ts';
import { ASKUBUNTU_DEV_PATH } from '../data/paths.ts';
import { loadTrainPool } from '../data/train.ts';
import { randomScorer } from '../eval/baselines.ts';
import { evaluateRerank } from '../eval/rerank.ts';
import { TfIdf } from '../eval/tfidf.ts';
import { randomEncoder } from '../model/load.ts';
import { DEFAULTS, RECIPES, parseArgs, resolveConfig } from '../train/config.ts';
import { evaluateEncoder } from '../train/evaluate.ts';
import { train } from '../train/trainer.ts';
import { fmtMetric, runCli } from './common.ts';

const HELP = `usage: pnpm train [--recipe default|seed] [--config FILE.json] [--baselines true|false] [--<option> VALUE]...
options (defaults):
${Object.entries(DEFAULTS).map(([k, v]) => `  --${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} ${JSON.stringify(v)}`).join('\n')}`;

await runCli(async () => {
  const { flags } = parseArgs(process.argv.slice(2));
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const { recipe = 'default', config, baselines = 'true', ...rest } = flags;
  if (!(recipe in RECIPES)) throw new Error(`--recipe: unknown "${recipe}" (${Object.keys(RECIPES).join(', ')})`);
  const fileCfg = config ? (JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>) : {};
  const cfg = resolveConfig(RECIPES[recipe], fileCfg, rest);
  if (recipe === 'seed' && !cfg.init) {
    throw new Error('--recipe seed needs a bert-base-uncased checkpoint: --init DIR (config.json, model.safetensors, vocab.txt)');
  }
  process.stderr.write(`training ${cfg.objective} (${cfg.preset}${cfg.init ? ` from ${cfg.init}` : ''}) for ${cfg.steps} steps, batch ${cfg.batchSize}, out ${cfg.resume ?? cfg.out}\n`);
  const summary = await train(cfg, { handleSignals: true });
  if (summary.stopped === 'nan') return 2;
  if (summary.stopped !== 'done') {
    process.stderr.write(`stopped at step ${summary.steps}; resume with: pnpm train --resume ${summary.out}\n`);
    return 130;
  }
  const result: Record<string, unknown> = {
    task: 'askubuntu', objective: cfg.objective, loss: cfg.objective === 'jepa' ? cfg.loss : undefined, preset: cfg.preset,
    steps: summary.steps, map: summary.lastEval?.map, mrr10: summary.lastEval?.mrr10, bestMap: summary.bestMap, seconds: Math.round(summary.seconds),
  };
  if (baselines !== 'false') {
    const dev = await loadRerankJsonl(cfg.evalFile ?? ASKUBUNTU_DEV_PATH);
    const tfidf = await evaluateRerank(dev, new TfIdf(await loadTrainPool(cfg.trainFile ?? undefined)).scorer());
    const rand = await evaluateRerank(dev, randomScorer(cfg.seed));
    const enc = await randomEncoder(cfg.preset, { pooling: cfg.pooling, maxTokens: cfg.maxTokens, seed: cfg.seed, trainFile: cfg.trainFile ?? undefined });
    const ri = await evaluateEncoder(enc, dev);
    enc.bert.dispose();
    const rows: [string, number | undefined, number | undefined][] = [
      [`${cfg.objective}${cfg.objective === 'jepa' ? ` (${cfg.loss})` : ''}, ${summary.steps} steps`, summary.lastEval?.map, summary.lastEval?.mrr10],
      [`random-init ${cfg.preset} encoder`, ri.map, ri.mrr10],
      ['TF-IDF cosine', tfidf.map, tfidf.mrr10],
      ['random order', rand.map, rand.mrr10],
    ];
    process.stderr.write(`\nAskUbuntu dev (${summary.lastEval?.queries} queries)       MAP    MRR@10\n`);
    for (const [name, map, mrr] of rows) process.stderr.write(`  ${name.padEnd(34)} ${fmtMetric(map).padStart(6)} ${fmtMetric(mrr).padStart(8)}\n`);
    process.stderr.write(`model and report: ${summary.out}/ (report.html)\n`);
    result.baselines = { randomInit: ri.map, tfidf: tfidf.map, random: rand.map };
  }
  console.log(JSON.stringify(result));
  return 0;
});
