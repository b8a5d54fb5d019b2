// Flat parameter chunks for fused optimizers: each group's parameters are packed, in order, into
// f32 chunks of at most maxStorageBufferBindingSize bytes, so one dispatch updates a whole chunk.
//
// Parameters keep their own storage (the model, tied heads and user code hold those tensors):
// each step copies parameters and gradients into the chunks and the updated values back. With a
// Tensor API to rebind a tensor onto chunk storage, the two parameter copies would disappear
// (gradients would still be copied: autograd hands back fresh gradient tensors).
import { keep, runtime, Tensor } from '@jepa/tensor';
import { copyInto, isDense } from '../state.ts';
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
  const limit = Math.floor((maxBytes ?? runtime().limits.maxStorageBufferBindingSize) / 4);
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
      if (param.size > limit) throw new Error(`optimizer: parameter ${param.toString()} is larger than one chunk (${limit} elements)`);
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
  const z = (what: string) => {
    const t = e(what);
    runtime().clear(t.buffer, 0, length * 4);
    return t;
  };
  return { group, length, slots, param: e('param'), grad: e('grad'), state: new Map(slotNames.map((n) => [n, z(n)])) };
}

/** Copy `src` (the slot's shape) into the slot's region of a chunk tensor. */
function toRegion(chunkT: Tensor, s: Slot, src: Tensor, what: string): void {
  if (isDense(src)) runtime().copy(src.buffer, src.offset * 4, chunkT.buffer, s.offset * 4, src.size * 4);
  else {
    const v = regionView(chunkT, s);
    copyInto(v, src, what);
    v.dispose();
  }
}

/** Parameters and gradients into the chunk (a missing gradient counts as zero). */
export function gather(c: Chunk): void {
  for (const s of c.slots) {
    toRegion(c.param, s, s.param, `param ${s.index}`);
    if (s.param.grad) toRegion(c.grad, s, s.param.grad, `grad ${s.index}`);
    else runtime().clear(c.grad.buffer, s.offset * 4, s.param.size * 4);
  }
}

/** Updated values back into the parameters. */
export function scatter(c: Chunk): void {
  for (const s of c.slots) {
    const p = s.param;
    if (isDense(p)) runtime().copy(c.param.buffer, s.offset * 4, p.buffer, p.offset * 4, p.size * 4);
    else {
      const v = regionView(c.param, s);
      copyInto(p, v, `param ${s.index}`);
      v.dispose();
    }
  }
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
