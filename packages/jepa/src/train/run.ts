// One training run, as the steps a reader follows: check the request, prepare the run dir, build
// the model and optimizer, restore a checkpoint, loop (lagged loss readback: the GPU never waits
// for the host to look at a number), evaluate (the best dev MAP kept), export, report. A stop on
// a signal, a request or a non-finite value checkpoints or names what is kept.
import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, makeSchedule, type Module, writeFileAtomic } from '@jepa/nn';
import { add, globalNorm, init, setGeneratorState, tidy, type Tensor } from '@jepa/tensor';
import { loadRerankJsonl, type RerankQuery } from '../data/rerank.ts';
import { loadTrainPool } from '../data/train.ts';
import { ASKUBUNTU_DEV_PATH } from '../data/paths.ts';
import { requireEvaluable } from '../eval/rerank.ts';
import { NonFiniteError } from '../model/encoder.ts';
import { savedModules } from '../objectives/objective.ts';
import type { MetricRecord } from '../report/html.ts';
import { readMetrics, writeReport } from '../report/write.ts';
import { buildModel, type TrainContext } from './build.ts';
import {
  exportModel,
  loadTrainerCheckpoint,
  readTrainerState,
  replaceDir,
  saveTrainerCheckpoint,
  updateTrainerState,
  writeFailure,
} from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { BatchStream } from './data.ts';
import { evaluateEncoder, type EncoderEval } from './evaluate.ts';
import { frozenParams, trainParamGroups } from './groups.ts';
import { checkBatchFits, namedBatchLimit } from './device-fit.ts';
import { checkRunRequest } from './preflight.ts';
import { Progress } from './progress.ts';
import { lockRunDir, prepareRunDir } from './rundir.ts';
import type { StopReason, TrainHooks, TrainSummary } from './summary.ts';

/** An evaluation met non-finite embeddings: the run stops as on a non-finite loss. */
class NonFiniteStop extends Error {}

/** A step dispatched to the GPU whose numbers (terms, gradient norm) are read while the next one runs. */
interface Pending {
  step: number;
  values: Promise<number[]>;
  names: string[];
  tensors: Tensor[];
}

/** How far a run got: a device-lost stop names the step. */
export interface RunProgress {
  step: number;
}

/** Train per `cfg`: the steps below, in order. */
export async function runTraining(cfg: TrainConfig, hooks: TrainHooks, at: RunProgress): Promise<TrainSummary> {
  const t0 = Date.now();
  const out = cfg.resume ?? cfg.out;
  // The dir is locked first: a second run (or a --resume) on it is refused naming this one's pid, and
  // the checks below read a checkpoint no other run is replacing.
  const lock = lockRunDir(out, {
    create: !cfg.resume,
    warn: (m) => {
      if (!hooks.quiet) process.stderr.write(`${m}\n`);
    },
  });
  try {
    await init();
    await checkRunRequest(cfg, hooks.finishAt);
    checkBatchFits(cfg);
    const data = loadData(cfg);
    await prepareRunDir(out, { resume: !!cfg.resume, overwrite: cfg.overwrite });
    await hooks.onRunDir?.(out);
    const model = await buildModel(
      cfg,
      data.pool,
      hooks.quiet || cfg.resume ? undefined : (m) => process.stderr.write(`${m}\n`),
    );
    const run = new TrainingRun(cfg, hooks, out, t0, model, data);
    try {
      await run.restore();
      // A buffer over the device's limit (met when a step allocates or submits) is named by the flags that sized it.
      await run.loop(at).catch((e: unknown) => {
        throw namedBatchLimit(cfg, e);
      });
      await run.finish();
      return await run.report();
    } catch (e) {
      run.dispose(); // a failed run in a long-lived process gives its GPU memory back too
      throw e;
    }
  } finally {
    lock.release();
  }
}

interface RunData {
  pool: string[];
  dev: RerankQuery[];
  /** The dev queries periodic evaluations use. */
  devPeriodic: RerankQuery[];
  /** The batch order, a function of (seed, step). */
  stream: BatchStream;
}

/** The training pool, the dev set and the batch order, read and checked before the run dir is touched. */
function loadData(cfg: TrainConfig): RunData {
  const pool = loadTrainPool(cfg.trainFile ?? undefined);
  const devFile = cfg.evalFile ?? ASKUBUNTU_DEV_PATH;
  const dev = loadRerankJsonl(devFile);
  requireEvaluable(dev, devFile);
  const stream = new BatchStream(pool, cfg.batchSize, cfg.seed);
  return { pool, dev, devPeriodic: cfg.evalQueries > 0 ? dev.slice(0, cfg.evalQueries) : dev, stream };
}

class TrainingRun {
  private readonly optimizer: AdamW;
  private readonly schedule: (step: number) => number;
  private readonly dev: RerankQuery[];
  private readonly devPeriodic: RerankQuery[];
  private readonly stream: BatchStream;
  private readonly metricsPath: string;
  private progress!: Progress;
  private records: MetricRecord[] = [];
  private start = 0;
  private bestMap: number | null = null;
  private bestStep: number | null = null;
  private lastEval: EncoderEval | null = null;
  // The loop's bookkeeping: the step in flight, the terms averaged since the last record, throughput.
  private pending: Pending | null = null;
  private acc: Record<string, number> = {};
  private accN = 0;
  private tokensSince = 0;
  private tSince = Date.now();
  private tokensTotal = 0;
  private stopped: StopReason = 'done';
  private stopMessage: string | null = null;
  private stepsDone = 0;
  private disposed = false;

  constructor(
    private readonly cfg: TrainConfig,
    private readonly hooks: TrainHooks,
    private readonly out: string,
    private readonly t0: number,
    private readonly model: TrainContext,
    data: RunData,
  ) {
    // The optimizer: a schedule over the whole run; lr scale 0 freezes (see groups.ts).
    this.schedule = makeSchedule(cfg.schedule, { lr: cfg.lr, warmup: cfg.warmup, total: cfg.steps });
    for (const t of frozenParams(model.encoder.bert, cfg)) t.requiresGrad = false;
    const scale = model.encoder.wordScale?.logScale ?? null;
    this.optimizer = new AdamW(trainParamGroups(model.encoder.bert, model.modules, cfg, scale), {
      lr: cfg.lr,
      schedule: this.schedule,
      weightDecay: cfg.weightDecay,
      maxGradNorm: cfg.clip > 0 ? cfg.clip : undefined,
    });
    this.dev = data.dev;
    this.devPeriodic = data.devPeriodic;
    this.stream = data.stream;
    this.metricsPath = join(out, 'metrics.jsonl');
  }

  /** Restore a resumed run (weights, optimizer, best so far, its metrics up to the checkpoint); write the run's config. */
  async restore(): Promise<void> {
    const { cfg } = this;
    if (cfg.resume) {
      const st = await loadTrainerCheckpoint(cfg.resume, this.parts());
      this.start = st.step;
      this.bestMap = st.bestMap;
      this.bestStep = st.bestStep;
      // The records up to the checkpoint; a final evaluation logged after it (at its step) is done again.
      this.records = (await readMetrics(this.out)).filter(
        (r) => r.step < this.start || (r.step === this.start && !r.final),
      );
    }
    await writeFileAtomic(this.metricsPath, this.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await writeFileAtomic(join(this.out, 'train-config.json'), `${JSON.stringify(cfg, null, 2)}\n`);
    this.progress = new Progress(this.start, cfg.logEvery);
  }

  /** Steps until the schedule ends, a stop is asked for, or a value goes non-finite. */
  async loop(at: RunProgress): Promise<void> {
    const { cfg, hooks } = this;
    this.model.encoder.bert.train();
    for (const m of Object.values(this.model.objective.heads)) m.train();
    let step = this.start;
    for (; step < cfg.steps; step++) {
      const cur = this.dispatch(step);
      if (this.pending && !(await this.settle(this.pending))) {
        this.stopped = 'nan';
        this.pending = null;
        await cur.values.catch(() => undefined); // no read left in flight when the device goes
        for (const t of cur.tensors) t.dispose();
        break;
      }
      this.pending = cur;
      const done = step + 1;
      at.step = done;
      hooks.onStep?.(done);
      const finishing = hooks.finishAt === done && done < cfg.steps; // its evaluation is the final one
      const atEval = !finishing && cfg.evalEvery > 0 && done % cfg.evalEvery === 0 && done < cfg.steps;
      const signalled = hooks.signal?.aborted ? 'signal' : null;
      if (!(atEval || signalled || hooks.stopAfter === done || finishing)) continue;
      if (!(await this.settleAll()) || !(await this.checkParams(done))) break;
      if (atEval && !(await this.evaluate(done, false))) break;
      await this.checkpoint(done);
      if (signalled || hooks.stopAfter === done || finishing) {
        this.stopped = signalled ?? (finishing ? 'budget' : 'requested');
        step = done;
        break;
      }
    }
    if (this.pending) await this.settleAll();
    if (!hooks.quiet) this.progress.done();
    this.stepsDone = this.stopped === 'done' ? cfg.steps : step;
    if (this.stopped === 'done') await this.checkParams(this.stepsDone);
  }

  /** A finished run (or a budget stop): checkpoint, the final evaluation on the whole dev set, the export. */
  async finish(): Promise<void> {
    if (!this.finished()) return;
    const { cfg, stepsDone } = this;
    if (this.stopped === 'done') await this.checkpoint(stepsDone); // a budget stop saved its checkpoint in the loop
    await this.evaluate(stepsDone, true);
    if (!this.finished()) return;
    await updateTrainerState(this.out, { bestMap: this.bestMap, bestStep: this.bestStep }); // the final evaluation may have set them
    const { encoder } = this.model;
    await exportModel(
      this.out,
      encoder.bert,
      encoder.tokenizer,
      { pooling: cfg.pooling, maxTokens: cfg.maxTokens, objective: cfg.objective, step: stepsDone },
      await encoder.savedTokenWeights(),
    ).catch((e: unknown) => {
      throw new Error(
        `export of step ${stepsDone} to ${this.out}: ${writeFailure(e)}; the checkpoint of step ${stepsDone} in ${join(this.out, 'checkpoint')} is intact; free space, then finish the export with --resume ${this.out}`,
      );
    });
  }

  /** report.html, the GPU memory given back, and the summary. */
  async report(): Promise<TrainSummary> {
    const { cfg, stepsDone, stopped, bestMap, bestStep } = this;
    const seconds = (Date.now() - this.t0) / 1000;
    const ev = this.lastEval;
    // Without baselines or the recipe: the CLI draws it again once it has them (updateReport).
    await writeReport(this.out, {
      title: `${cfg.objective}${cfg.aux !== 'none' ? ` + ${cfg.aux} ×${cfg.auxWeight}` : ''} (${cfg.preset}${cfg.objective === 'jepa' ? `, ${cfg.loss} loss` : ''}) — ${stepsDone} steps`,
      config: { ...cfg },
      records: this.records,
      embStd: ev?.embStd,
      spectrum: ev?.spectrum,
      summary: { stopped, steps: stepsDone, bestMap, bestStep, lastMap: ev?.map, lastMrr10: ev?.mrr10, seconds },
    });
    this.dispose();
    return {
      out: this.out,
      steps: stepsDone,
      stopped,
      lastEval: ev,
      bestMap,
      bestStep,
      seconds,
      tokensPerSec: this.tokensTotal / seconds,
      stopMessage: this.stopMessage,
    };
  }

  /** The run's GPU memory given back: the step in flight, the optimizer state, the modules. Once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.pending?.tensors ?? []) t.dispose();
    this.pending = null;
    this.optimizer.dispose();
    for (const m of [...this.model.modules, ...Object.values(this.model.objective.frozen ?? {})]) m.dispose();
  }

  private finished(): boolean {
    return this.stopped === 'done' || this.stopped === 'budget';
  }

  private parts() {
    const { encoder, objective } = this.model;
    const scale: Record<string, Module> = encoder.wordScale ? { sif_scale: encoder.wordScale } : {};
    return { model: encoder.bert, heads: { ...savedModules(objective), ...scale }, optimizer: this.optimizer };
  }

  /** One optimizer step on the GPU; its numbers are read later (settle). */
  private dispatch(step: number): Pending {
    const { objective } = this.model;
    const optimizer = this.optimizer;
    setGeneratorState({ seed: this.stream.gpuSeed(step), offset: 0 });
    const rng = this.stream.rng(step);
    const sentences = this.stream.batch(step);
    const res = tidy(() => {
      const o = objective.step(sentences, rng);
      o.loss.backward();
      optimizer.step();
      optimizer.zeroGrad();
      objective.afterStep?.(step);
      const norm = optimizer.lastGradNorm ? [add(optimizer.lastGradNorm, 0)] : []; // a copy: the next step overwrites it
      return {
        tensors: [o.loss, ...Object.values(o.terms), ...norm],
        names: ['loss', ...Object.keys(o.terms)],
        tokens: o.tokens,
      };
    });
    this.tokensSince += res.tokens;
    this.tokensTotal += res.tokens;
    const values = Promise.all(res.tensors.map((t) => t.item()));
    values.catch(() => undefined); // awaited by settle; a lost device must not make it an unhandled rejection
    return { step, names: res.names, tensors: res.tensors, values };
  }

  /** Settle the step in flight; false (the run stopped as 'nan') if a value was non-finite. */
  private async settleAll(): Promise<boolean> {
    const p = this.pending;
    this.pending = null;
    if (p && !(await this.settle(p))) {
      this.stopped = 'nan';
      return false;
    }
    return true;
  }

  /** Read a step's numbers: stop on a non-finite one, else show progress and log a record every logEvery steps. */
  private async settle(p: Pending): Promise<boolean> {
    const { cfg } = this;
    const all = await p.values;
    for (const t of p.tensors) t.dispose();
    const vals = all.slice(0, p.names.length);
    // Name the term at fault before the total it feeds, and the gradient norm last.
    const order = [...p.names.keys()].slice(1).concat(0);
    const bad = order.find((i) => !Number.isFinite(vals[i]));
    const norm = all[p.names.length];
    if (bad !== undefined || (norm !== undefined && !Number.isFinite(norm))) {
      await this.stopNonFinite(
        bad !== undefined
          ? `non-finite ${p.names[bad]} (${vals[bad]}) at step ${p.step + 1}`
          : `non-finite gradient norm (${norm}) at step ${p.step + 1}`,
      );
      return false;
    }
    p.names.forEach((n, i) => (this.acc[n] = (this.acc[n] ?? 0) + vals[i]));
    this.accN++;
    const done = p.step + 1;
    const tps = this.tokensSince / Math.max((Date.now() - this.tSince) / 1000, 1e-9);
    if (!this.hooks.quiet) {
      this.progress.update({
        step: done,
        total: cfg.steps,
        terms: Object.fromEntries(p.names.map((n, i) => [n, vals[i]])),
        tokensPerSec: tps,
        lastMap: this.lastEval?.map,
      });
    }
    if (done % cfg.logEvery === 0 || done === cfg.steps) {
      const mean = Object.fromEntries(Object.entries(this.acc).map(([k, v]) => [k, v / this.accN]));
      await this.writeRecord({
        kind: 'train',
        step: done,
        ...mean,
        lr: this.schedule(p.step),
        tokensPerSec: tps,
        elapsed: (Date.now() - this.t0) / 1000,
      });
      this.acc = {};
      this.accN = 0;
      this.tokensSince = 0;
      this.tSince = Date.now();
    }
    return true;
  }

  /** Every parameter finite? Checked before anything is saved, so no checkpoint holds NaN or inf. */
  private async checkParams(done: number): Promise<boolean> {
    const n = tidy(() => globalNorm(this.model.modules.flatMap((m) => m.parameters())));
    const v = await n.item();
    n.dispose();
    if (Number.isFinite(v)) return true;
    await this.stopNonFinite(`non-finite parameters after step ${done}`);
    this.stopped = 'nan';
    return false;
  }

  /** Evaluate on the periodic dev subset (or, `full`, the whole dev set); keep and export the best.
   *  False (the run stopped as 'nan') on non-finite embeddings. */
  private async evaluate(step: number, full: boolean): Promise<boolean> {
    const { cfg } = this;
    const { encoder } = this.model;
    let ev: EncoderEval;
    try {
      ev = await evaluateEncoder(encoder, full ? this.dev : this.devPeriodic).catch((e: unknown) => {
        if (e instanceof NonFiniteError)
          throw new NonFiniteStop(`non-finite embeddings in the evaluation at step ${step}`);
        throw e;
      });
    } catch (e) {
      if (!(e instanceof NonFiniteStop)) throw e;
      await this.stopNonFinite(e.message);
      this.stopped = 'nan';
      return false;
    }
    this.lastEval = ev;
    await this.writeRecord({
      kind: 'eval',
      step,
      queries: ev.queries,
      map: ev.map,
      mrr10: ev.mrr10,
      meanStd: ev.meanStd,
      seconds: ev.seconds,
      ...(full ? { final: true } : {}), // logged after the checkpoint of its step: a resume redoes it
    });
    if (ev.meanStd < cfg.collapseStd) {
      this.log(
        `warning: possible collapse at step ${step}: mean per-dimension std of embeddings ${ev.meanStd.toExponential(2)} < ${cfg.collapseStd}`,
      );
    }
    // The best is chosen on one set: the periodic one. The final evaluation (the whole dev set)
    // competes only when it is that set, or when no periodic evaluation runs.
    // A run with no periodic evaluation before its final one (--steps below --eval-every) still gets a best/.
    const comparable = !full || this.devPeriodic.length === this.dev.length || cfg.evalEvery === 0;
    if (this.bestMap === null || (comparable && ev.map > this.bestMap)) {
      this.bestMap = ev.map;
      this.bestStep = step;
      // Swapped in whole: a failed export leaves the earlier best/ as it was.
      const best = join(this.out, 'best');
      const meta = { pooling: cfg.pooling, maxTokens: cfg.maxTokens, objective: cfg.objective, step };
      const weights = await encoder.savedTokenWeights();
      await replaceDir(best, `best.tmp-${process.pid}`, (tmp) =>
        exportModel(tmp, encoder.bert, encoder.tokenizer, meta, weights),
      ).catch(async (e: unknown) => {
        throw new Error(
          `${best} (step ${step}): ${writeFailure(e)}; ${existsSync(best) ? `the earlier ${best} is intact` : 'no best/ was written'}; ${await this.kept('is intact', `free space, then continue with --resume ${this.out}`)}`,
        );
      });
    }
    return true;
  }

  private async checkpoint(step: number): Promise<void> {
    await saveTrainerCheckpoint(this.out, this.parts(), {
      step,
      config: { ...this.cfg },
      bestMap: this.bestMap,
      bestStep: this.bestStep,
    });
  }

  private async writeRecord(r: MetricRecord): Promise<void> {
    this.records.push(r);
    await appendFile(this.metricsPath, `${JSON.stringify(r)}\n`);
  }

  private log(m: string): void {
    if (!this.hooks.quiet) this.progress.log(m);
  }

  /** What a stop on a non-finite value leaves: said only when there is something. */
  private async stopNonFinite(what: string): Promise<void> {
    this.stopMessage = `stopping: ${what}; ${await this.kept('is kept')} (a lower --lr or --clip may help)`;
    this.log(this.stopMessage);
  }

  /** What the run dir holds to go on from ("the checkpoint of step N in DIR is kept", then `next`), or that nothing does. */
  private async kept(verb: string, next?: string): Promise<string> {
    const st = await readTrainerState(this.out).catch(() => null);
    if (!st) return 'no checkpoint had been saved yet';
    return `the checkpoint of step ${st.step} in ${join(this.out, 'checkpoint')} ${verb}${next ? `; ${next}` : ''}`;
  }
}
