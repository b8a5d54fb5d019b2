// AdamW (torch.optim.AdamW semantics: decoupled weight decay, bias-corrected moments) on the fused
// tensor op: one dispatch per flat chunk. With maxGradNorm the global gradient norm is computed on
// the GPU and the update clips by it, so a step never reads back. As in PyTorch, a parameter without
// a gradient is left alone (no decay, moments kept) and has its own step count for the corrections.
import { adamwStep, globalNorm, keep, Tensor } from '@jepa/tensor';
import { copyInto } from '../state.ts';
import { disposeChunk, gather, packChunks, regionView, scatter, updateRuns, type Chunk } from './flat.ts';
import { Optimizer, type OptimizerOptions, type OptimizerState, type OptimizerStateInput } from './optimizer.ts';
import type { ParamsInput } from './params.ts';

export interface AdamWOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Clip the global gradient L2 norm to this (torch clip_grad_norm_), inside the update. */
  maxGradNorm?: number;
  /** Multiplies gradients before anything else (e.g. 1 / accumulation steps). */
  gradScale?: number;
  /** Chunk size limit in bytes (default: the device's maxStorageBufferBindingSize). */
  maxChunkBytes?: number;
}

export class AdamW extends Optimizer {
  readonly kind = 'AdamW';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  maxGradNorm: number | undefined;
  gradScale: number;
  private readonly chunks: Chunk[];
  private readonly norm: Tensor;
  /** Updates each parameter has had (params order): torch keeps a step per parameter. */
  private readonly paramSteps: number[];

  /** Defaults: lr as given, betas (0.9, 0.999), eps 1e-8, weightDecay 0.01 (none on rank <= 1). */
  constructor(params: ParamsInput, opts: AdamWOptions) {
    super(params, opts, 0.01);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.maxGradNorm = opts.maxGradNorm;
    this.gradScale = opts.gradScale ?? 1;
    for (const [k, v] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(v >= 0 && v < 1)) throw new Error(`AdamW: ${k} must be in [0, 1), got ${v}`);
    }
    if (this.maxGradNorm !== undefined && !(this.maxGradNorm > 0))
      throw new Error(`AdamW: maxGradNorm must be > 0, got ${this.maxGradNorm}`);
    this.chunks = packChunks(this.groups, ['m', 'v'], opts.maxChunkBytes);
    this.norm = keep(Tensor.empty([1], 'f32', 'AdamW grad norm'));
    this.paramSteps = this.params.map(() => 0);
  }

  /** Number of flat chunks (= update dispatches per step). */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /**
   * The global gradient norm of the last step (before clipping), as a [1] tensor owned by the
   * optimizer; only computed when maxGradNorm is set.
   */
  get lastGradNorm(): Tensor | null {
    return this.maxGradNorm !== undefined && this.stepCount > 0 ? this.norm : null;
  }

  step(): void {
    const lr = this.currentLr();
    this.stepCount++;
    for (const c of this.chunks) gather(c);
    const clip = this.maxGradNorm !== undefined ? { norm: this.norm, maxNorm: this.maxGradNorm } : undefined;
    if (clip)
      globalNorm(
        this.chunks.map((c) => c.grad),
        this.norm,
      );
    for (const c of this.chunks) {
      for (const run of updateRuns(c, this.paramSteps)) {
        const region = (t: Tensor) => t.view([run.length], [1], run.offset);
        const ts = [c.param, c.grad, c.state.get('m')!, c.state.get('v')!].map(region);
        adamwStep(ts[0], ts[1], ts[2], ts[3], {
          lr: lr * c.group.lrScale,
          beta1: this.beta1,
          beta2: this.beta2,
          eps: this.eps,
          weightDecay: c.group.weightDecay,
          step: run.step,
          gradScale: this.gradScale,
          clip,
        });
        for (const t of ts) t.dispose();
      }
    }
    for (const c of this.chunks) scatter(c);
  }

  /** m.<i> and v.<i> per parameter (views of the chunks: dispose after use) and the step counts. */
  state(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    for (const c of this.chunks) {
      for (const s of c.slots)
        for (const k of ['m', 'v']) tensors.set(`${k}.${s.index}`, regionView(c.state.get(k)!, s));
    }
    return { kind: this.kind, step: this.stepCount, paramSteps: [...this.paramSteps], tensors };
  }

  loadState(s: OptimizerStateInput): void {
    this.checkState(s, ['m', 'v']);
    const steps = s.paramSteps ?? this.params.map(() => s.step); // saved before per-parameter counts: all updated every step
    if (steps.length !== this.params.length || !steps.every((n) => Number.isInteger(n) && n >= 0 && n <= s.step)) {
      throw new Error(
        `AdamW.loadState: paramSteps must be ${this.params.length} integers in [0, ${s.step}], got [${steps.join(', ')}]`,
      );
    }
    for (const c of this.chunks) {
      for (const slot of c.slots) {
        for (const k of ['m', 'v']) {
          const v = regionView(c.state.get(k)!, slot);
          copyInto(v, s.tensors.get(`${k}.${slot.index}`)!, `${k}.${slot.index}`);
          v.dispose();
        }
      }
    }
    this.stepCount = s.step;
    steps.forEach((n, i) => (this.paramSteps[i] = n));
  }

  dispose(): void {
    for (const c of this.chunks) disposeChunk(c);
    this.norm.dispose();
  }
}
