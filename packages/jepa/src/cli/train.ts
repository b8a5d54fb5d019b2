// pnpm train [--recipe seed] [--config run.json] [--<option> value ...]
// Trains an encoder, evaluates it on the AskUbuntu dev set, and prints it beside the baselines.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRerankJsonl } from '../data/rerank.ts';
import { ASKUBUNTU_DEV_PATH } from '../data/paths.ts';
import { loadTrainPool } from '../data/train.ts';
import { randomScorer } from '../eval/baselines.ts';
import { evaluateRerank } from '../eval/rerank.ts';
import { TfIdf } from '../eval/tfidf.ts';
import { randomEncoder } from '../model/load.ts';
import { checkpointDir, readTrainerState } from '../train/checkpoint.ts';
import { CONFIG_FIELDS, ConfigError, DEFAULTS, RECIPES, closest, coerceOption, flagName, resolveConfig, resumeConfig, unusedOptions, type TrainConfig } from '../train/config.ts';
import { evaluateEncoder } from '../train/evaluate.ts';
import { train } from '../train/trainer.ts';
import { parseOptions, type OptionSpec } from './args.ts';
import { commandName, fmtMetric, readJsonFile, runCli } from './common.ts';
import { installInterrupt, leaveTsxRelay, stopExitCode } from './interrupt.ts';

const CMD = commandName('train');
/** Where a run keeps the CLI options that are not run settings (read back by --resume). */
const CLI_OPTIONS_FILE = 'train-cli.json';
const HELP = `usage: ${CMD} [--recipe default|seed] [--config FILE.json] [--baselines true|false] [--stop-after N] [--<option> VALUE]...
--stop-after N: end the run after step N of the --steps schedule (evaluated and exported as if it
  were the last; the checkpoint stays, so --resume DIR continues the schedule)
options (defaults):
${Object.entries(DEFAULTS).map(([k, v]) => `  ${flagName(k)} ${JSON.stringify(v)}`).join('\n')}`;

/** Every training config field, plus the CLI's own options. */
const OPTIONS: OptionSpec = { ...CONFIG_FIELDS, recipe: Object.keys(RECIPES), config: 'str', baselines: 'bool', stopAfter: 'pos', help: 'bool' };

if (!(await leaveTsxRelay())) await runCli(main);

async function main(): Promise<number> {
  const { help, recipe, config, baselines: baselinesFlag, stopAfter, ...rest } = parseOptions(CMD, process.argv.slice(2), OPTIONS);
  if (help) {
    console.log(HELP);
    return 0;
  }
  const fileCfg = config ? configFile(config as string) : {};
  const cfg = await runConfig(recipe ? RECIPES[recipe as string] : {}, fileCfg, rest);
  if (recipe === 'seed' && !cfg.init) {
    throw new Error('--recipe seed needs a bert-base-uncased checkpoint: --init DIR (config.json, model.safetensors, vocab.txt)');
  }
  const out = cfg.resume ?? cfg.out;
  // The CLI's own choices are not run settings, but a resumed run keeps them too.
  const baselines = (baselinesFlag as boolean | undefined) ?? (cfg.resume ? savedCliOptions(cfg.resume).baselines : undefined) ?? true;
  for (const w of unusedOptions(cfg, [...Object.keys(fileCfg), ...Object.keys(rest)])) say(`warning: ${w}`);
  if (stopAfter !== undefined) await checkStopAfter(stopAfter as number, cfg);
  process.stderr.write(`${cfg.resume ? 'resuming' : 'training'} ${cfg.objective} (${cfg.preset}${cfg.init ? ` from ${cfg.init}` : ''}) for ${cfg.steps} steps, batch ${cfg.batchSize}, out ${out}\n`);
  const interrupt = installInterrupt({ log: say, kept: () => keptCheckpoint(out) });
  const summary = await train(cfg, { signal: interrupt.signal, finishAt: stopAfter as number | undefined });
  if (existsSync(out)) writeFileSync(join(out, CLI_OPTIONS_FILE), JSON.stringify({ baselines }) + '\n');
  if (summary.stopped === 'nan') return 2;
  if (summary.stopped === 'device-lost') return 3;
  if (summary.stopped === 'budget') {
    process.stderr.write(`stopped after step ${summary.steps} of ${cfg.steps} (--stop-after); model exported, checkpoint kept; continue with: ${CMD} --resume ${out}\n`);
  } else if (summary.stopped !== 'done') {
    process.stderr.write(`stopped at step ${summary.steps}; checkpoint saved in ${join(out, 'checkpoint')}; resume with: ${CMD} --resume ${out}\n`);
    return stopExitCode(interrupt.signal.reason);
  }
  // A stop request from here on: the run is complete and saved, only the baselines are left.
  if (interrupt.signal.aborted) return stopExitCode(interrupt.signal.reason);
  interrupt.signal.addEventListener('abort', () => process.exit(stopExitCode(interrupt.signal.reason)));
  const result: Record<string, unknown> = {
    task: 'askubuntu', objective: cfg.objective, loss: cfg.objective === 'jepa' ? cfg.loss : undefined, preset: cfg.preset,
    steps: summary.steps, ...(summary.steps < cfg.steps ? { scheduleSteps: cfg.steps } : {}), map: summary.lastEval?.map, mrr10: summary.lastEval?.mrr10, bestMap: summary.bestMap, bestOn: cfg.evalEvery > 0 && cfg.evalQueries > 0 ? `the first ${cfg.evalQueries} dev queries` : 'the dev set', seconds: Math.round(summary.seconds),
  };
  if (baselines) {
    const dev = loadRerankJsonl(cfg.evalFile ?? ASKUBUNTU_DEV_PATH);
    const tfidf = await evaluateRerank(dev, new TfIdf(loadTrainPool(cfg.trainFile ?? undefined)).scorer());
    const rand = await evaluateRerank(dev, randomScorer(cfg.seed));
    const enc = await randomEncoder(cfg.preset, { pooling: cfg.pooling, maxTokens: cfg.maxTokens, seed: cfg.seed, trainFile: cfg.trainFile ?? undefined, embeddingInit: cfg.embeddingInit });
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
}

function savedCliOptions(dir: string): { baselines?: boolean } {
  try {
    const o = JSON.parse(readFileSync(join(dir, CLI_OPTIONS_FILE), 'utf8')) as { baselines?: unknown };
    return typeof o.baselines === 'boolean' ? { baselines: o.baselines } : {};
  } catch {
    return {}; // a run from before the file existed, or one killed before it was written
  }
}

/** --stop-after must fall inside what is left of the schedule. */
async function checkStopAfter(n: number, cfg: TrainConfig): Promise<void> {
  const done = cfg.resume ? (await readTrainerState(cfg.resume))?.step ?? 0 : 0;
  if (n > cfg.steps || n <= done) {
    throw new Error(`--stop-after: must be after ${done ? `the checkpoint's step ${done}` : 'step 0'} and at most --steps ${cfg.steps}, got ${n}`);
  }
}

/** A --config file: a JSON object of config fields (camelCase), each checked, errors naming the file. */
function configFile(path: string): Record<string, unknown> {
  const o = readJsonFile(path, '--config');
  for (const [k, v] of Object.entries(o)) {
    const kind = CONFIG_FIELDS[k as keyof TrainConfig];
    if (!kind) {
      const near = closest(k, Object.keys(CONFIG_FIELDS));
      throw new ConfigError(`--config ${path}: unknown field "${k}"${near ? ` (did you mean "${near}"?)` : ''}`);
    }
    coerceOption(`--config ${path}: "${k}"`, kind, v);
  }
  return o;
}

/** The run's config: from flags, --config and a recipe; when resuming, from the run itself. */
async function runConfig(recipe: Record<string, unknown>, fileCfg: Record<string, unknown>, flags: Record<string, unknown>): Promise<TrainConfig> {
  const dir = flags.resume as string | undefined;
  if (!dir) return resolveConfig(recipe, fileCfg, flags);
  const state = await readTrainerState(dir);
  if (!state) throw new Error(`--resume ${dir}: no checkpoint (expected ${join(dir, 'checkpoint', 'state.json')})`);
  return resumeConfig(dir, state.config, { ...recipe, ...fileCfg, ...flags }, state.step);
}

/** A message that does not garble the progress bar. */
function say(msg: string): void {
  process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${msg}\n`);
}

/** What an abort without saving leaves (read synchronously: it runs inside a signal handler). */
function keptCheckpoint(out: string): string {
  const dir = checkpointDir(out);
  if (!dir) return 'no checkpoint was saved';
  try {
    const step = (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { extra?: { step?: number } }).extra?.step;
    return `the checkpoint in ${dir} (step ${step}) is intact`;
  } catch {
    return `${dir} is left as it was`;
  }
}
