// concat / stack by strided copies into one output; the backward hands out views (slices) of
// the gradient. Densely packed inputs go by buffer copies (a memcpy on llvmpipe, far cheaper
// than a copy shader) when they form few contiguous chunks of the output.
import { runtime } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { fmt, normAxis, numel } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { assignInto } from './ew.ts';

const MAX_COPY_CHUNKS = 8;

/** True when t's elements are packed row-major from its offset (views of size-1 dims allowed). */
function dense(t: Tensor): boolean {
  let s = 1;
  for (let d = t.rank - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.strides[d] !== s) return false;
    s *= t.shape[d];
  }
  return true;
}

/** The view of t that starts at `start` along ax and has `shape`. */
function part(t: Tensor, ax: number, start: number, shape: readonly number[]): Tensor {
  return t.view(shape, t.strides, t.offset + start * t.strides[ax]);
}

function concatRaw(op: string, parts: readonly Tensor[], ax: number, outShape: number[]): Tensor {
  const out = Tensor.empty(outShape, parts[0].dtype, `${op} output`);
  const rt = runtime();
  const A = numel(outShape.slice(0, ax));
  const inner = numel(outShape.slice(ax + 1));
  const rowOut = outShape[ax] * inner;
  let start = 0;
  for (const t of parts) {
    const n = t.shape[ax];
    if (t.size > 0) {
      if (dense(t) && A <= MAX_COPY_CHUNKS) {
        const chunk = n * inner;
        for (let a = 0; a < A; a++)
          rt.copy(t.buffer, (t.offset + a * chunk) * 4, out.buffer, (a * rowOut + start * inner) * 4, chunk * 4);
      } else {
        const dst = part(out, ax, start, t.shape);
        assignInto(dst, t);
        dst.dispose();
      }
    }
    start += n;
  }
  return out;
}

function checkList(op: string, tensors: readonly Tensor[]): void {
  if (tensors.length === 0) throw new Error(`${op}: needs at least one tensor`);
  tensors.forEach((t, i) => {
    t.assertAlive(`${op} (input ${i})`);
    if (t.dtype !== tensors[0].dtype) {
      throw new Error(
        `${op}: dtype mismatch: input 0 is ${tensors[0].dtype}${fmt(tensors[0].shape)}, input ${i} is ${t.dtype}${fmt(t.shape)}`,
      );
    }
  });
}

/** Join tensors along an existing axis; all other dims must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('concat', tensors);
  const first = tensors[0];
  if (first.rank === 0) throw new Error('concat: cannot concatenate scalars (use stack)');
  const ax = normAxis('concat', axis, first.rank);
  tensors.forEach((t, i) => {
    if (t.rank !== first.rank) {
      throw new Error(
        `concat: input ${i} has shape ${fmt(t.shape)} (rank ${t.rank}) but input 0 has ${fmt(first.shape)} (rank ${first.rank})`,
      );
    }
    const d = t.shape.findIndex((s, k) => k !== ax && s !== first.shape[k]);
    if (d >= 0) {
      throw new Error(
        `concat: input ${i} ${fmt(t.shape)} does not match input 0 ${fmt(first.shape)} outside axis ${ax} (dim ${d}: ${t.shape[d]} vs ${first.shape[d]})`,
      );
    }
  });
  const outShape = [...first.shape];
  outShape[ax] = tensors.reduce((s, t) => s + t.shape[ax], 0);
  const out = concatRaw('concat', tensors, ax, outShape);
  return record(out, 'concat', tensors, (g) => {
    let start = 0;
    return tensors.map((t) => {
      const gi = t.requiresGrad ? part(g, ax, start, t.shape) : null;
      start += t.shape[ax];
      return gi;
    });
  });
}

/** Join same-shaped tensors along a new axis (0..rank). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  checkList('stack', tensors);
  const shape = tensors[0].shape;
  const ax = normAxis('stack', axis, shape.length + 1);
  tensors.forEach((t, i) => {
    if (t.rank !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
      throw new Error(`stack: input ${i} has shape ${fmt(t.shape)}, expected ${fmt(shape)} like input 0`);
    }
  });
  // Each input as a view with a size-1 axis inserted (stride unused for a size-1 dim).
  const lifted = tensors.map((t) => {
    const s = [...t.shape],
      st = [...t.strides];
    s.splice(ax, 0, 1);
    st.splice(ax, 0, 1);
    return t.view(s, st);
  });
  const outShape = [...shape];
  outShape.splice(ax, 0, tensors.length);
  const out = concatRaw('stack', lifted, ax, outShape);
  for (const l of lifted) l.dispose();
  return record(out, 'stack', tensors, (g) =>
    tensors.map((t, i) => {
      if (!t.requiresGrad) return null;
      const st = [...g.strides];
      st.splice(ax, 1);
      return g.view(t.shape, st, g.offset + i * g.strides[ax]);
    }),
  );
}
