// Flat parameter chunks for fused optimizers: each group's parameters are packed, in order, into
// f32 chunks of at most maxStorageBufferBindingSize bytes, so one dispatch updates a whole chunk
// (or each run of it between parameters that got no gradient this step).
//
// Parameters keep their own storage (the model, tied heads and user code hold those tensors):
// each step copies parameters and gradients into the chunks and the updated values back. With a
// Tensor API to rebind a tensor onto chunk storage, the two parameter copies would disappear
// (gradients would still be copied: autograd hands back fresh gradient tensors).
import { keep, rowsPerBinding, Tensor } from '@jepa/tensor';
import type { ResolvedGroup } from './params.ts';

export interface Slot {
  param: Tensor;
  /** Index in the optimizer's params order (state key). */
  index: number;
  /** Element offset in the chunk. */
  offset: number;
}

export interface Chunk {
  group: ResolvedGroup;
  /** Length in elements. */
  length: number;
  slots: Slot[];
  param: Tensor;
  grad: Tensor;
  /** Optimizer slots (m, v, ...), each the chunk's length, zero-initialised. */
  state: Map<string, Tensor>;
}

export function packChunks(groups: readonly ResolvedGroup[], slotNames: readonly string[], maxBytes?: number): Chunk[] {
  const limit = rowsPerBinding(1, 'optimizer: one value', maxBytes);
  const chunks: Chunk[] = [];
  let index = 0;
  for (const group of groups) {
    let slots: Slot[] = [];
    let used = 0;
    const close = () => {
      if (slots.length) chunks.push(makeChunk(group, slots, used, slotNames));
      slots = [];
      used = 0;
    };
    for (const param of group.params) {
      if (param.size > limit)
        throw new Error(`optimizer: parameter ${param.toString()} is larger than one chunk (${limit} elements)`);
      if (used + param.size > limit) close();
      slots.push({ param, index: index++, offset: used });
      used += param.size;
    }
    close();
  }
  return chunks;
}

function makeChunk(group: ResolvedGroup, slots: Slot[], length: number, slotNames: readonly string[]): Chunk {
  // param and grad are overwritten by gather() before every use; only the moments need zeros.
  const e = (what: string) => keep(Tensor.empty([length], 'f32', `optimizer ${what} chunk`));
  const z = (what: string) => e(what).zeroInPlace();
  return { group, length, slots, param: e('param'), grad: e('grad'), state: new Map(slotNames.map((n) => [n, z(n)])) };
}

/** Copy `src` (the slot's shape) into the slot's region of a chunk tensor, or zeros without one. */
function toRegion(chunkT: Tensor, s: Slot, src: Tensor | null, what: string): void {
  const v = regionView(chunkT, s);
  if (src) v.assign(src, what);
  else v.zeroInPlace(what);
  v.dispose();
}

/** Parameters and gradients into the chunk (a missing gradient counts as zero). */
export function gather(c: Chunk): void {
  for (const s of c.slots) {
    toRegion(c.param, s, s.param, `param ${s.index}`);
    toRegion(c.grad, s, s.param.grad, `grad ${s.index}`);
  }
}

/** Updated values back into the parameters (only those that had a gradient: the others did not change). */
export function scatter(c: Chunk): void {
  for (const s of c.slots) {
    if (!s.param.grad) continue;
    const v = regionView(c.param, s);
    s.param.assign(v, `param ${s.index}`);
    v.dispose();
  }
}

/**
 * The element ranges of a chunk to update this step: runs of adjacent slots whose parameter has a
 * gradient and the same update count. Counts the update into `paramSteps` (indexed by slot.index).
 */
export function updateRuns(c: Chunk, paramSteps: number[]): { offset: number; length: number; step: number }[] {
  const runs: { offset: number; length: number; step: number }[] = [];
  for (const s of c.slots) {
    if (!s.param.grad) continue;
    const step = ++paramSteps[s.index];
    const last = runs.at(-1);
    if (last && last.step === step && last.offset + last.length === s.offset) last.length += s.param.size;
    else runs.push({ offset: s.offset, length: s.param.size, step });
  }
  return runs;
}

/** A view of a slot's region of a chunk tensor, in the parameter's shape (caller disposes). */
export function regionView(chunkT: Tensor, s: Slot): Tensor {
  const shape = s.param.shape;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return chunkT.view(shape, strides, s.offset);
}

export function disposeChunk(c: Chunk): void {
  for (const t of [c.param, c.grad, ...c.state.values()]) t.dispose();
}
