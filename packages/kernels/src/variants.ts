// Variant policy. An op with more than one kernel design picks one per adapter from
// runtime().gpu.info (isCpu, subgroupSize); tests and the variant harness (benchmarks/variants)
// override that pick here, by op, instead of through per-module switches. Designs kept outside the
// package join matmul and attention through registerVariant (the public side: variants-api.ts,
// `@jepa/kernels/variants`); the built-in designs stay in their op's module.
import type { AttentionVariantFactory } from './wgsl/attention.ts';
import type { MatmulVariantPlan } from './wgsl/matmul.ts';

export type VariantOp = 'attention' | 'matmul' | 'softmax' | 'layernorm' | 'crossEntropy' | 'vicreg';

/** What a design added from outside provides, per op that takes one. */
export interface VariantFactories {
  matmul: MatmulVariantPlan;
  attention: AttentionVariantFactory;
}
export type PluggableOp = keyof VariantFactories;

const forced = new Map<VariantOp, string>();
const added: { [O in PluggableOp]: Map<string, VariantFactories[O]> } = { matmul: new Map(), attention: new Map() };

/** Run `op` with variant `name` from now on; null restores the adapter's choice. */
export function forceVariant(op: VariantOp, name: string | null): void {
  if (name === null) forced.delete(op);
  else forced.set(op, name);
}

/** The forced variant of `op`, checked against the names the op knows; null when none is forced. */
export function forcedVariant<V extends string>(op: VariantOp, known: readonly V[]): V | null {
  const v = forced.get(op);
  if (v === undefined) return null;
  if (!known.includes(v as V)) throw new Error(`${op}: unknown variant, got '${v}' (known: ${known.join(', ')})`);
  return v as V;
}

/** Every override dropped (test teardown); added designs stay registered. */
export function resetVariants(): void {
  forced.clear();
}

/** Stores a design added from outside (registerVariant checks the name first). */
export function addVariant<O extends PluggableOp>(op: O, name: string, factory: VariantFactories[O]): void {
  (added[op] as Map<string, VariantFactories[O]>).set(name, factory);
}

/** The designs added for `op`, by name, in the order they were first added. */
export function addedVariants<O extends PluggableOp>(op: O): ReadonlyMap<string, VariantFactories[O]> {
  return added[op] as Map<string, VariantFactories[O]>;
}
