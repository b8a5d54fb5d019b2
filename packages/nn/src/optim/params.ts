// Parameter groups: which tensors an optimizer updates, with what weight decay. By default 1-D
// parameters (biases, LayerNorm/BatchNorm weights) get no decay, as in BERT and HF's Trainer.
import type { Tensor } from '@jepa/tensor';
import { Module } from '../module.ts';

export interface ParamGroup {
  params: readonly Tensor[];
  /** Overrides the optimizer's weightDecay for this group. */
  weightDecay?: number;
  /** Multiplies the learning rate for this group (default 1). */
  lrScale?: number;
}

/** A module, a list of modules and tensors, or explicit groups. */
export type ParamsInput = Module | readonly (Module | Tensor)[] | readonly ParamGroup[];

export interface ResolvedGroup {
  params: Tensor[];
  weightDecay: number;
  lrScale: number;
}

/** The default no-decay rule: rank <= 1 (biases and norm-layer scales). */
export const isNoDecay = (t: Tensor): boolean => t.rank <= 1;

const isGroup = (x: unknown): x is ParamGroup =>
  typeof x === 'object' && x !== null && Array.isArray((x as ParamGroup).params);

/** Split into groups; every tensor appears once (the first time it is seen). */
export function resolveGroups(
  input: ParamsInput,
  weightDecay: number,
  noDecay: (t: Tensor) => boolean = isNoDecay,
): ResolvedGroup[] {
  const seen = new Set<Tensor>();
  const fresh = (ts: readonly Tensor[]) =>
    ts.filter((t) => {
      if (seen.has(t)) return false;
      seen.add(t);
      return true;
    });
  const list = input instanceof Module ? [input] : input;
  let groups: ResolvedGroup[];
  if (list.length > 0 && list.every(isGroup)) {
    groups = (list as readonly ParamGroup[]).map((g) => ({
      params: fresh(g.params),
      weightDecay: g.weightDecay ?? weightDecay,
      lrScale: g.lrScale ?? 1,
    }));
  } else {
    const all = (list as readonly (Module | Tensor | ParamGroup)[]).flatMap((x) => {
      if (x instanceof Module) return x.parameters();
      if (isGroup(x)) throw new Error('optimizer: do not mix parameter groups with modules/tensors');
      return [x];
    });
    const ps = fresh(all);
    groups = [
      { params: ps.filter((t) => !noDecay(t)), weightDecay, lrScale: 1 },
      { params: ps.filter(noDecay), weightDecay: 0, lrScale: 1 },
    ];
  }
  for (const g of groups) {
    for (const t of g.params) {
      if (t.dtype !== 'f32') throw new Error(`optimizer: parameter ${t.toString()} is not f32`);
      t.assertAlive('optimizer');
    }
  }
  groups = groups.filter((g) => g.params.length > 0);
  if (groups.length === 0) throw new Error('optimizer: no parameters to optimise');
  return groups;
}
