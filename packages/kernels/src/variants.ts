// Variant policy. An op with more than one kernel design picks one per adapter from
// runtime().gpu.info (isCpu, subgroupSize); tests and the variant harness (benchmarks/variants)
// override that pick here, by op, instead of through per-module switches. Designs kept outside the
// package join matmul and attention through registerVariant (the public side: variants-api.ts,
// `@jepa/kernels/variants`), which stores them in their op's module beside the built-in designs.

export type VariantOp = 'attention' | 'matmul' | 'softmax' | 'layernorm' | 'crossEntropy' | 'vicreg';

const forced = new Map<VariantOp, string>();

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
