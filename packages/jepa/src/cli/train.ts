// pnpm train [--recipe NAME] [--config run.json] [--<option> value ...]
// Trains an encoder, evaluates it on the AskUbuntu dev set, and prints it beside the baselines.
// This file parses and prints; the config, the run and the baselines are the library's.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@jepa/nn';
import { updateReport } from '../report/write.ts';
import { namedBaselines, runBaselines, type RunBaselines } from '../train/baselines.ts';
import { checkpointDir } from '../train/checkpoint.ts';
import {
  CONFIG_FIELDS,
  ConfigError,
  closest,
  coerceOption,
  RECIPES,
  recipe,
  resolveConfig,
  resumeConfig,
  unusedOptions,
  type TrainConfig,
} from '../train/config.ts';
import { checkStopAfter, requireCheckpoint } from '../train/preflight.ts';
import { train, type TrainSummary } from '../train/trainer.ts';
import { parseOptions } from './args.ts';
import { commandName, fmtMetric, readJsonFile, runCli } from './common.ts';
import { installInterrupt, leaveTsxRelay, stopExitCode } from './interrupt.ts';
import { TRAIN_CLI_OPTIONS, trainHelp } from './train-options.ts';

const CMD = commandName('train');
/** Where a run keeps the CLI options that are not run settings (read back by --resume). */
const CLI_OPTIONS_FILE = 'train-cli.json';

if (!(await leaveTsxRelay())) await runCli(main);

async function main(): Promise<number> {
  const opts = parseOptions(CMD, process.argv.slice(2), TRAIN_CLI_OPTIONS);
  const {
    help,
    recipe: recipeName,
    config,
    baselines: baselinesFlag,
    stopAfter,
    ...flags
  } = opts as {
    help?: boolean;
    recipe?: string;
    config?: string;
    baselines?: boolean;
    stopAfter?: number;
    [option: string]: unknown;
  };
  if (help) {
    console.log(trainHelp(CMD));
    return 0;
  }
  const fileCfg = config ? configFile(config) : {};
  const { cfg, done } = await runConfig(recipe(recipeName ?? 'default'), fileCfg, flags);
  if (recipeName === 'seed' && !cfg.init) {
    throw new Error(
      '--recipe seed needs a bert-base-uncased checkpoint: --init DIR (config.json, model.safetensors, vocab.txt)',
    );
  }
  const out = cfg.resume ?? cfg.out;
  // The CLI's own choices are not run settings, but a resumed run keeps them too.
  const saved = cfg.resume ? savedCliOptions(cfg.resume) : {};
  const baselines = baselinesFlag ?? saved.baselines ?? true;
  // The recipe is recorded so that the report can show what the run changed from it.
  const recipeUsed = recipeName ?? saved.recipe ?? 'default';
  for (const w of unusedOptions(cfg, [...Object.keys(fileCfg), ...Object.keys(flags)])) say(`warning: ${w}`);
  if (stopAfter !== undefined) checkStopAfter(stopAfter, cfg.steps, done);
  process.stderr.write(
    `${cfg.resume ? 'resuming' : 'training'} ${cfg.objective} (${cfg.preset}${cfg.init ? ` from ${cfg.init}` : ''}) for ${cfg.steps} steps, batch ${cfg.batchSize}, out ${out}\n`,
  );
  const interrupt = installInterrupt({ log: say, kept: () => keptCheckpoint(out) });
  const summary = await train(cfg, {
    signal: interrupt.signal,
    finishAt: stopAfter,
    // Written before the first step: a run that dies without saving is resumed with them too.
    onRunDir: (dir) =>
      writeFileAtomic(join(dir, CLI_OPTIONS_FILE), `${JSON.stringify({ baselines, recipe: recipeUsed })}\n`),
  });
  if (summary.stopped === 'nan') return 2;
  if (summary.stopped === 'device-lost') return 3;
  if (summary.stopped === 'budget') {
    process.stderr.write(
      `stopped after step ${summary.steps} of ${cfg.steps} (--stop-after); model exported, checkpoint kept; continue with: ${CMD} --resume ${out}\n`,
    );
  } else if (summary.stopped !== 'done') {
    process.stderr.write(
      `stopped at step ${summary.steps}; checkpoint saved in ${join(out, 'checkpoint')}; resume with: ${CMD} --resume ${out}\n`,
    );
    return stopExitCode(interrupt.signal.reason);
  }
  // A stop request from here on: the run is complete and saved, only the baselines are left.
  if (interrupt.signal.aborted) return stopExitCode(interrupt.signal.reason);
  interrupt.signal.addEventListener('abort', () => process.exit(stopExitCode(interrupt.signal.reason)));
  const result: Record<string, unknown> = {
    task: 'askubuntu',
    objective: cfg.objective,
    loss: cfg.objective === 'jepa' ? cfg.loss : undefined,
    preset: cfg.preset,
    steps: summary.steps,
    ...(summary.steps < cfg.steps ? { scheduleSteps: cfg.steps } : {}),
    map: summary.lastEval?.map,
    mrr10: summary.lastEval?.mrr10,
    bestMap: summary.bestMap,
    bestOn: cfg.evalEvery > 0 && cfg.evalQueries > 0 ? `the first ${cfg.evalQueries} dev queries` : 'the dev set',
    seconds: Math.round(summary.seconds),
  };
  const b = baselines ? await runBaselines(cfg) : undefined;
  if (b) result.baselines = printBaselines(cfg, summary, b);
  // report.html again, now with the baselines and the recipe (the trainer wrote it without them).
  await updateReport(out, { recipe: recipeUsed, baselines: b && namedBaselines(cfg, b) });
  console.log(JSON.stringify(result));
  return 0;
}

/** The run beside its baselines, as a table on stderr; their MAPs for the JSON line. */
function printBaselines(cfg: TrainConfig, summary: TrainSummary, b: RunBaselines): Record<string, number> {
  const rows: [string, number | undefined, number | undefined][] = [
    [
      `${cfg.objective}${cfg.objective === 'jepa' ? ` (${cfg.loss})` : ''}${cfg.aux !== 'none' ? ` + ${cfg.aux} ×${cfg.auxWeight}` : ''}, ${summary.steps} steps`,
      summary.lastEval?.map,
      summary.lastEval?.mrr10,
    ],
    ...namedBaselines(cfg, b).map((x): [string, number, number] => [x.name, x.map, x.mrr10]),
  ];
  process.stderr.write(`\nAskUbuntu dev (${summary.lastEval?.queries} queries)       MAP    MRR@10\n`);
  for (const [name, map, mrr] of rows)
    process.stderr.write(`  ${name.padEnd(34)} ${fmtMetric(map).padStart(6)} ${fmtMetric(mrr).padStart(8)}\n`);
  process.stderr.write(`model and report: ${summary.out}/ (report.html)\n`);
  return { [cfg.init ? 'init' : 'randomInit']: b.start.map, tfidf: b.tfidf.map, random: b.random.map };
}

function savedCliOptions(dir: string): { baselines?: boolean; recipe?: string } {
  const path = join(dir, CLI_OPTIONS_FILE);
  if (!existsSync(path)) return {}; // a run from before the file existed, or one stopped before it was written
  const o = readJsonFile(path, '--resume');
  if (o.baselines !== undefined && typeof o.baselines !== 'boolean')
    throw new Error(`--resume ${path}: "baselines" must be true or false, got ${JSON.stringify(o.baselines)}`);
  if (o.recipe !== undefined && !(typeof o.recipe === 'string' && o.recipe in RECIPES))
    throw new Error(
      `--resume ${path}: "recipe" must be one of ${Object.keys(RECIPES).join(', ')}, got ${JSON.stringify(o.recipe)}`,
    );
  return { baselines: o.baselines as boolean | undefined, recipe: o.recipe as string | undefined };
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

/** The run's config (a recipe, then --config, then flags) and the steps already done; when resuming,
 *  the run's own config, which what is given may only extend or repeat. */
async function runConfig(
  recipeCfg: Record<string, unknown>,
  fileCfg: Record<string, unknown>,
  flags: Record<string, unknown>,
): Promise<{ cfg: TrainConfig; done: number }> {
  const dir = flags.resume as string | undefined;
  if (!dir) return { cfg: resolveConfig(recipeCfg, fileCfg, flags), done: 0 };
  const state = await requireCheckpoint(dir);
  return { cfg: resumeConfig(dir, state.config, { ...recipeCfg, ...fileCfg, ...flags }, state.step), done: state.step };
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
    const step = (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { extra?: { step?: number } }).extra
      ?.step;
    return `the checkpoint in ${dir} (step ${step}) is intact`;
  } catch {
    return `${dir} is left as it was`;
  }
}
