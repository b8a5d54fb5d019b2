// Optimizer base: parameter groups, step counter, learning rate (fixed or scheduled), and a
// serialisable state (per-parameter slot tensors keyed "<slot>.<index>", index = position in
// params order, as PyTorch's state_dict does).
import type { Tensor } from '@jepa/tensor';
import type { TensorLike } from '../state.ts';
import { resolveGroups, type ParamsInput, type ResolvedGroup } from './params.ts';
import type { LrSchedule } from './schedule.ts';

export interface OptimizerOptions {
  lr: number;
  /** lr for each step from the 0-based step index; overrides `lr`. */
  schedule?: LrSchedule;
  weightDecay?: number;
  /** Which parameters get no weight decay (default: rank <= 1). Ignored with explicit groups. */
  noDecay?: (t: Tensor) => boolean;
}

/** What a checkpoint stores. `tensors` are views of the optimizer's buffers: dispose them after use. */
export interface OptimizerState {
  kind: string;
  step: number;
  /** Per-parameter update counts (params order), where they can differ from `step` (AdamW). */
  paramSteps?: number[];
  tensors: Map<string, Tensor>;
}

export interface OptimizerStateInput {
  kind?: string;
  step: number;
  paramSteps?: readonly number[];
  tensors: ReadonlyMap<string, TensorLike>;
}

export abstract class Optimizer {
  abstract readonly kind: string;
  readonly groups: readonly ResolvedGroup[];
  /** All parameters, in state-index order. */
  readonly params: readonly Tensor[];
  /** Steps taken so far. */
  stepCount = 0;
  lr: number;
  schedule: LrSchedule | undefined;

  constructor(params: ParamsInput, opts: OptimizerOptions, defaultWeightDecay: number) {
    if (!(opts.lr >= 0) && !opts.schedule) throw new Error(`optimizer: lr must be >= 0, got ${opts.lr}`);
    this.lr = opts.lr;
    this.schedule = opts.schedule;
    this.groups = resolveGroups(params, opts.weightDecay ?? defaultWeightDecay, opts.noDecay);
    this.params = this.groups.flatMap((g) => g.params);
  }

  /** The learning rate the next step() uses. */
  currentLr(): number {
    return this.schedule ? this.schedule(this.stepCount) : this.lr;
  }

  abstract step(): void;

  /** Drop the gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  abstract state(): OptimizerState;
  abstract loadState(s: OptimizerStateInput): void;
  abstract dispose(): void;

  /** Check a saved state's kind, names and shapes against this optimizer; errors name the entry. */
  protected checkState(s: OptimizerStateInput, slots: readonly string[]): void {
    if (s.kind !== undefined && s.kind !== this.kind) throw new Error(`${this.kind}.loadState: state is for ${s.kind}`);
    if (!Number.isInteger(s.step) || s.step < 0) throw new Error(`${this.kind}.loadState: invalid step ${s.step}`);
    const want = new Map<string, readonly number[]>();
    this.params.forEach((p, i) => slots.forEach((sl) => want.set(`${sl}.${i}`, p.shape)));
    for (const [name, shape] of want) {
      const t = s.tensors.get(name);
      if (!t) throw new Error(`${this.kind}.loadState: missing "${name}"`);
      if (t.shape.join(',') !== shape.join(',')) {
        throw new Error(
          `${this.kind}.loadState: "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
        );
      }
    }
    for (const name of s.tensors.keys())
      if (!want.has(name)) throw new Error(`${this.kind}.loadState: unexpected "${name}"`);
  }
}
