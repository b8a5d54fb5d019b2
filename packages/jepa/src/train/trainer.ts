// The training loop shared by every objective: data stream, optimizer and schedule, lagged loss
// readback (the GPU never waits for the host to look at a number), periodic evaluation with the best
// dev MAP kept, checkpoints that resume exactly, and a clean stop on Ctrl-C / SIGTERM / NaN.
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, BertModel, BertTokenizer, bertConfig, makeSchedule, type Module } from '@jepa/nn';
import { add, globalNorm, init, manualSeed, runtime, setGeneratorState, tidy, type Tensor } from '@jepa/tensor';
import { loadRerankJsonl } from '../data/rerank.ts';
import { loadTrainPool } from '../data/train.ts';
import { ASKUBUNTU_DEV_PATH } from '../data/paths.ts';
import { requireEvaluable } from '../eval/rerank.ts';
import { NonFiniteError, SentenceEncoder } from '../model/encoder.ts';
import { reportLenient } from '../model/pretrained.ts';
import { applyEmbeddingInit } from '../model/init.ts';
import { sifWeights } from '../model/sif.ts';
import { jepaObjective } from '../objectives/jepa.ts';
import { jepaEmaObjective } from '../objectives/jepa-ema.ts';
import { mlmObjective } from '../objectives/mlm.ts';
import { savedModules, type ObjectiveImpl } from '../objectives/objective.ts';
import { simcseObjective } from '../objectives/simcse.ts';
import { tsdaeObjective } from '../objectives/tsdae.ts';
import { renderReport, type MetricRecord } from '../report/html.ts';
import {
  exportModel, loadTrainerCheckpoint, readTrainerState, saveTrainerCheckpoint, updateTrainerState, type TrainerState,
} from './checkpoint.ts';
import { runConflicts, type TrainConfig } from './config.ts';
import { BatchStream } from './data.ts';
import { evaluateEncoder, type EncoderEval } from './evaluate.ts';
import { frozenParams, trainParamGroups } from './groups.ts';
import { Progress } from './progress.ts';
import { prepareRunDir } from './rundir.ts';

export type StopReason = 'done' | 'budget' | 'signal' | 'nan' | 'requested' | 'device-lost';

export interface TrainSummary {
  out: string;
  steps: number;
  stopped: StopReason;
  lastEval: EncoderEval | null;
  bestMap: number | null;
  bestStep: number | null;
  seconds: number;
  tokensPerSec: number;
  /** Why a run stopped early (a non-finite value or a lost device: what, at which step, and what was kept). */
  stopMessage: string | null;
}

export interface TrainHooks {
  /** Stop (and checkpoint) after this many steps, as if signalled: used by the resume test. */
  stopAfter?: number;
  /** End the run after this step as if it were the last (full evaluation, model exported) while the
   *  schedule stays `cfg.steps`'s: a time budget cut inside the schedule. The checkpoint is kept, so
   *  a resume continues the schedule. The summary's `stopped` is 'budget'. */
  finishAt?: number;
  /** Called after each step is dispatched, with the number of steps done (tests use it to inject faults). */
  onStep?: (done: number) => void;
  /** No progress output. */
  quiet?: boolean;
  /** Aborting it stops the run after the current step, with a checkpoint (the CLI wires signals to it). */
  signal?: AbortSignal;
}

export interface TrainContext {
  encoder: SentenceEncoder;
  objective: ObjectiveImpl;
  modules: Module[];
}

/** Build the encoder and objective for a config (weights from the seed, or from `cfg.init`); `pool`
 *  (default: read from cfg.trainFile) gives SIF pooling its token frequencies. */
export async function buildModel(cfg: TrainConfig, pool?: readonly string[], log?: (message: string) => void): Promise<TrainContext> {
  manualSeed(cfg.seed);
  let bert: BertModel;
  let tokenizer: BertTokenizer;
  if (cfg.init) {
    const dropout = cfg.dropout === null ? {} : { configOverrides: { hidden_dropout_prob: cfg.dropout } };
    const loaded = await BertModel.fromPretrained(cfg.init, { strict: !cfg.lenientLoad, ...dropout });
    if (cfg.lenientLoad) reportLenient(cfg.init, loaded.load);
    bert = loaded.model;
    tokenizer = loaded.tokenizer;
  } else {
    const over = cfg.dropout === null ? {} : { hidden_dropout_prob: cfg.dropout, attention_probs_dropout_prob: 0 };
    bert = new BertModel(bertConfig(cfg.preset, { attention_probs_dropout_prob: 0, ...over }));
    tokenizer = BertTokenizer.default();
    const texts = cfg.embeddingInit === 'ppmi' ? (pool ??= loadTrainPool(cfg.trainFile ?? undefined)) : [];
    const report = await applyEmbeddingInit(bert, cfg.embeddingInit, { tokenizer, pool: texts, maxTokens: cfg.maxTokens, seed: cfg.seed });
    if (report && log) log(`embedding init ppmi: ${report.rows} word rows from ${texts.length} texts (${report.pairs} co-occurring pairs, ${report.nonzeros} positive PMI), ${report.seconds.toFixed(1)} s`);
  }
  const weights = cfg.pooling === 'sif' ? sifWeights(tokenizer, pool ?? loadTrainPool(cfg.trainFile ?? undefined), cfg.maxTokens) : null;
  const encoder = new SentenceEncoder(bert, tokenizer, cfg.pooling, cfg.maxTokens, weights);
  const make = { jepa: jepaObjective, 'jepa-ema': jepaEmaObjective, mlm: mlmObjective, simcse: simcseObjective, tsdae: tsdaeObjective }[cfg.objective];
  const objective = make(encoder, cfg);
  return { encoder, objective, modules: [bert, ...Object.values(objective.heads)] };
}

function finite(v: number): boolean {
  return Number.isFinite(v);
}

/** An evaluation met non-finite embeddings: the run stops as on a non-finite loss. */
class NonFiniteStop extends Error {}

/**
 * Train per `cfg`. A device lost mid-run ends it as 'device-lost': the weights live on the GPU, so
 * nothing after the last checkpoint can be saved; the message names that checkpoint, which stays intact.
 */
export async function train(cfg: TrainConfig, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const at = { step: 0, t0: Date.now() };
  try {
    return await runTraining(cfg, hooks, at);
  } catch (e) {
    if (deviceAlive()) throw e;
    const out = cfg.resume ?? cfg.out;
    const st = await readTrainerState(out).catch(() => null);
    const kept = st ? `the checkpoint of step ${st.step} in ${join(out, 'checkpoint')} is kept` : 'no checkpoint had been saved';
    const stopMessage = `stopping: ${(e as Error).message.split('\n')[0]} (at step ${at.step}); the weights were on the GPU, so the steps after the last checkpoint are lost; ${kept}`;
    if (!hooks.quiet) process.stderr.write(`\n${stopMessage}\n`);
    const seconds = (Date.now() - at.t0) / 1000;
    return { out, steps: st?.step ?? 0, stopped: 'device-lost', lastEval: null, bestMap: st?.bestMap ?? null, bestStep: st?.bestStep ?? null, seconds, tokensPerSec: 0, stopMessage };
  }
}

function deviceAlive(): boolean {
  try {
    return runtime().alive;
  } catch {
    return true; // not initialised (or shut down): whatever failed, it was not a lost device
  }
}

async function runTraining(cfg: TrainConfig, hooks: TrainHooks, at: { step: number }): Promise<TrainSummary> {
  const t0 = Date.now();
  await init();
  const out = cfg.resume ?? cfg.out;
  // A resumed run must be the run in its checkpoint: same settings, no fewer steps than done.
  const saved = cfg.resume ? await readTrainerState(cfg.resume) : null;
  if (cfg.resume && !saved) throw new Error(`--resume ${cfg.resume}: no checkpoint (expected ${join(cfg.resume, 'checkpoint', 'state.json')})`);
  if (saved) {
    const conflicts = runConflicts(saved.config, cfg, saved.step);
    if (conflicts.length) throw new Error(`resume ${cfg.resume}: the config differs from the run's: ${conflicts.join('; ')}`);
  }
  // Checked before the run dir is touched: a bad stop must not cost an --overwrite'd earlier run.
  const from = saved?.step ?? 0;
  if (hooks.finishAt !== undefined && !(Number.isInteger(hooks.finishAt) && hooks.finishAt > from && hooks.finishAt <= cfg.steps)) {
    throw new Error(`train: stop-after must be a whole step after ${from === 0 ? 'step 0' : `the checkpoint's step ${from}`} and at most --steps ${cfg.steps}, got ${hooks.finishAt}`);
  }
  await prepareRunDir(out, { resume: !!cfg.resume, overwrite: cfg.overwrite });
  const pool = loadTrainPool(cfg.trainFile ?? undefined);
  const { encoder, objective, modules } = await buildModel(cfg, pool, hooks.quiet || cfg.resume ? undefined : (m) => process.stderr.write(m + '\n'));
  const schedule = makeSchedule(cfg.schedule, { lr: cfg.lr, warmup: cfg.warmup, total: cfg.steps });
  for (const t of frozenParams(encoder.bert, cfg)) t.requiresGrad = false;
  const optimizer = new AdamW(trainParamGroups(encoder.bert, modules, cfg), { lr: cfg.lr, schedule, weightDecay: cfg.weightDecay, maxGradNorm: cfg.clip > 0 ? cfg.clip : undefined });

  const dev = loadRerankJsonl(cfg.evalFile ?? ASKUBUNTU_DEV_PATH);
  requireEvaluable(dev, cfg.evalFile ?? ASKUBUNTU_DEV_PATH);
  const devPeriodic = cfg.evalQueries > 0 ? dev.slice(0, cfg.evalQueries) : dev;
  const stream = new BatchStream(pool, cfg.batchSize, cfg.seed);
  const metricsPath = join(out, 'metrics.jsonl');
  let records: MetricRecord[] = [];
  let start = 0;
  let bestMap: number | null = null;
  let bestStep: number | null = null;

  if (cfg.resume) {
    const st = await loadTrainerCheckpoint(cfg.resume, { model: encoder.bert, heads: savedModules(objective), optimizer });
    start = st.step;
    bestMap = st.bestMap;
    bestStep = st.bestStep;
    if (existsSync(metricsPath)) {
      records = (await readFile(metricsPath, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricRecord).filter((r) => r.step <= start);
    }
  }
  await writeFile(metricsPath, records.map((r) => JSON.stringify(r) + '\n').join(''));
  await writeFile(join(out, 'train-config.json'), JSON.stringify(cfg, null, 2) + '\n');

  const progress = new Progress(start, cfg.logEvery);
  const log = (m: string) => (hooks.quiet ? undefined : progress.log(m));
  const signalled = () => (hooks.signal?.aborted ? 'signal' : null);

  let lastEval: EncoderEval | null = null;
  const writeRecord = async (r: MetricRecord) => {
    records.push(r);
    await appendFile(metricsPath, JSON.stringify(r) + '\n');
  };
  const checkpoint = async (step: number) => {
    const state: TrainerState = { step, config: { ...cfg }, bestMap, bestStep };
    await saveTrainerCheckpoint(out, { model: encoder.bert, heads: savedModules(objective), optimizer }, state);
  };
  const runEval = async (step: number, full: boolean) => {
    const ev = await evaluateEncoder(encoder, full ? dev : devPeriodic).catch((e: unknown) => {
      if (e instanceof NonFiniteError) throw new NonFiniteStop(`non-finite embeddings in the evaluation at step ${step}`);
      throw e;
    });
    lastEval = ev;
    await writeRecord({ kind: 'eval', step, queries: ev.queries, map: ev.map, mrr10: ev.mrr10, meanStd: ev.meanStd, seconds: ev.seconds });
    if (ev.meanStd < cfg.collapseStd) {
      log(`warning: possible collapse at step ${step}: mean per-dimension std of embeddings ${ev.meanStd.toExponential(2)} < ${cfg.collapseStd}`);
    }
    // The best is chosen on one set: the periodic one. The final evaluation (the whole dev set)
    // competes only when it is that set, or when no periodic evaluation runs.
    const comparable = !full || devPeriodic.length === dev.length || cfg.evalEvery === 0;
    if (comparable && (bestMap === null || ev.map > bestMap)) {
      bestMap = ev.map;
      bestStep = step;
      await exportModel(join(out, 'best'), encoder.bert, encoder.tokenizer, { pooling: cfg.pooling, maxTokens: cfg.maxTokens, objective: cfg.objective, step }, encoder.tokenWeights);
    }
    return ev;
  };

  // Lagged readback: step s's terms (and gradient norm, when clipping computes it) are read while step s+1 runs.
  type Pending = { step: number; values: Promise<number[]>; names: string[]; tensors: Tensor[]; tokens: number; time: number };
  let stopMessage: string | null = null;
  // What a stop on a non-finite value leaves: said only when there is something.
  const stopNonFinite = async (what: string) => {
    const st = await readTrainerState(out).catch(() => null);
    const kept = st ? `the checkpoint of step ${st.step} in ${join(out, 'checkpoint')} is kept` : 'no checkpoint had been saved yet';
    stopMessage = `stopping: ${what}; ${kept} (a lower --lr or --clip may help)`;
    if (!hooks.quiet) progress.log(stopMessage);
  };
  const nonFiniteStop = async (e: unknown) => {
    if (!(e instanceof NonFiniteStop)) throw e;
    await stopNonFinite(e.message);
    return false;
  };
  /** Every parameter finite? Checked before anything is saved, so no checkpoint holds NaN or inf. */
  const paramsFinite = async () => {
    const n = tidy(() => globalNorm(modules.flatMap((m) => m.parameters())));
    const v = await n.item();
    n.dispose();
    return Number.isFinite(v);
  };
  let pending: Pending | null = null;
  let acc: Record<string, number> = {};
  let accN = 0;
  let tokensSince = 0;
  let tSince = Date.now();
  let tokensTotal = 0;
  let stopped: StopReason = 'done';

  const settle = async (p: Pending): Promise<boolean> => {
    const all = await p.values;
    for (const t of p.tensors) t.dispose();
    const vals = all.slice(0, p.names.length);
    // Name the term at fault before the total it feeds, and the gradient norm last.
    const order = [...p.names.keys()].slice(1).concat(0);
    const bad = order.find((i) => !finite(vals[i]));
    const norm = all[p.names.length];
    if (bad !== undefined || (norm !== undefined && !finite(norm))) {
      await stopNonFinite(bad !== undefined
        ? `non-finite ${p.names[bad]} (${vals[bad]}) at step ${p.step + 1}`
        : `non-finite gradient norm (${norm}) at step ${p.step + 1}`);
      return false;
    }
    p.names.forEach((n, i) => (acc[n] = (acc[n] ?? 0) + vals[i]));
    accN++;
    const done = p.step + 1;
    const tps = tokensSince / Math.max((Date.now() - tSince) / 1000, 1e-9);
    if (!hooks.quiet) {
      progress.update({ step: done, total: cfg.steps, terms: Object.fromEntries(p.names.map((n, i) => [n, vals[i]])), tokensPerSec: tps, lastMap: lastEval?.map });
    }
    if (done % cfg.logEvery === 0 || done === cfg.steps) {
      const mean = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v / accN]));
      await writeRecord({ kind: 'train', step: done, ...mean, lr: schedule(p.step), tokensPerSec: tps, elapsed: (Date.now() - t0) / 1000 });
      acc = {};
      accN = 0;
      tokensSince = 0;
      tSince = Date.now();
    }
    return true;
  };

  encoder.bert.train();
  for (const m of Object.values(objective.heads)) m.train();
  let step = start;
  for (; step < cfg.steps; step++) {
    setGeneratorState({ seed: stream.gpuSeed(step), offset: 0 });
    const rng = stream.rng(step);
    const sentences = stream.batch(step);
    const res = tidy(() => {
      const o = objective.step(sentences, rng);
      o.loss.backward();
      optimizer.step();
      optimizer.zeroGrad();
      objective.afterStep?.(step);
      const norm = optimizer.lastGradNorm ? [add(optimizer.lastGradNorm, 0)] : []; // a copy: the next step overwrites it
      return { tensors: [o.loss, ...Object.values(o.terms), ...norm], names: ['loss', ...Object.keys(o.terms)], tokens: o.tokens };
    });
    tokensSince += res.tokens;
    tokensTotal += res.tokens;
    const cur: Pending = {
      step, names: res.names, tensors: res.tensors, tokens: res.tokens, time: Date.now(),
      values: Promise.all(res.tensors.map((t) => t.item())),
    };
    cur.values.catch(() => undefined); // awaited below; a lost device must not make it an unhandled rejection
    if (pending && !(await settle(pending))) {
      stopped = 'nan';
      pending = null;
      await cur.values.catch(() => undefined); // no read left in flight when the device goes
      for (const t of cur.tensors) t.dispose();
      break;
    }
    pending = cur;
    const done = step + 1;
    at.step = done;
    hooks.onStep?.(done);
    const finishing = hooks.finishAt === done && done < cfg.steps; // its evaluation is the final one, below
    const atEval = !finishing && cfg.evalEvery > 0 && done % cfg.evalEvery === 0 && done < cfg.steps;
    const stopRequested = signalled();
    if (atEval || stopRequested || hooks.stopAfter === done || finishing) {
      if (!(await settle(pending))) {
        stopped = 'nan';
        pending = null;
        break;
      }
      pending = null;
      if (!(await paramsFinite())) {
        await stopNonFinite(`non-finite parameters after step ${done}`);
        stopped = 'nan';
        break;
      }
      if (atEval && !(await runEval(done, false).then(() => true, nonFiniteStop))) {
        stopped = 'nan';
        break;
      }
      await checkpoint(done);
      if (stopRequested || hooks.stopAfter === done || finishing) {
        stopped = stopRequested ?? (finishing ? 'budget' : 'requested');
        step = done;
        break;
      }
    }
  }
  if (pending) {
    if (!(await settle(pending))) stopped = 'nan';
    pending = null;
  }
  if (!hooks.quiet) progress.done();
  const stepsDone = stopped === 'done' ? cfg.steps : step;
  if (stopped === 'done' && !(await paramsFinite())) {
    await stopNonFinite(`non-finite parameters after step ${stepsDone}`);
    stopped = 'nan';
  }
  const finished = () => stopped === 'done' || stopped === 'budget';
  if (finished()) {
    if (stopped === 'done') await checkpoint(stepsDone); // a budget stop saved its checkpoint in the loop
    if (!(await runEval(stepsDone, true).then(() => true, nonFiniteStop))) stopped = 'nan';
  }
  if (finished()) {
    await updateTrainerState(out, { bestMap, bestStep }); // the final evaluation may have set them
    await exportModel(out, encoder.bert, encoder.tokenizer, { pooling: cfg.pooling, maxTokens: cfg.maxTokens, objective: cfg.objective, step: stepsDone }, encoder.tokenWeights);
  }
  const seconds = (Date.now() - t0) / 1000;
  const ev = lastEval as EncoderEval | null;
  await writeFile(join(out, 'report.html'), renderReport({
    title: `${cfg.objective}${cfg.aux !== 'none' ? ` + ${cfg.aux} ×${cfg.auxWeight}` : ''} (${cfg.preset}${cfg.objective === 'jepa' ? `, ${cfg.loss} loss` : ''}) — ${stepsDone} steps`,
    config: { ...cfg },
    records,
    embStd: ev?.embStd,
    spectrum: ev?.spectrum,
    summary: { stopped, steps: stepsDone, bestMap, bestStep, lastMap: ev?.map, lastMrr10: ev?.mrr10, seconds },
  }));
  optimizer.dispose();
  for (const m of [...modules, ...Object.values(objective.frozen ?? {})]) m.dispose();
  return { out, steps: stepsDone, stopped, lastEval: ev, bestMap, bestStep, seconds, tokensPerSec: tokensTotal / seconds, stopMessage };
}
