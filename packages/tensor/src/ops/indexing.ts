// Indexing with i32 ids: indexSelect / embedding (deterministic scatter-add backward), torch-style
// gather / scatterAdd, oneHot. Ids out of range cannot raise on the GPU: they read as 0 and are
// dropped from gradients (oneHot gives an all-zero row). Validate on the host if it matters.
import { gatherAxis, indexSelectRows, indexSelectRowsBackward, scatterAddAxis } from '@jepa/kernels';
import { noGrad, record } from '../autograd.ts';
import { fmt, normAxis, numel } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { arange, full } from './creation.ts';
import { assignInto, ew } from './ew.ts';
import { contiguous } from './view.ts';

/** Run fn on a contiguous version of t (a copy made without recording, freed afterwards). */
function withContiguous<R>(t: Tensor, fn: (c: Tensor) => R): R {
  if (t.isContiguous()) return fn(t);
  const c = noGrad(() => contiguous(t));
  try {
    return fn(c);
  } finally {
    c.dispose();
  }
}

function checkIds(op: string, ids: Tensor, what = 'ids'): void {
  ids.assertAlive(op);
  if (ids.dtype !== 'i32') throw new Error(`${op}: ${what} must be an i32 tensor, got ${ids.dtype}${fmt(ids.shape)}`);
}

/** Rows of x along `ax` picked by ids; the output has `outShape` ([...before, n, ...after]). */
function selectRows(op: string, x: Tensor, ax: number, ids: Tensor, outShape: number[]): Tensor {
  const A = numel(x.shape.slice(0, ax)),
    N = x.shape[ax],
    B = numel(x.shape.slice(ax + 1)),
    n = ids.size;
  const out = Tensor.empty(outShape, x.dtype, `${op} output`);
  withContiguous(x, (xc) =>
    withContiguous(ids, (ic) =>
      indexSelectRows({ x: xc.buffer, ids: ic.buffer, out: out.buffer, A, N, B, n, dtype: x.dtype }),
    ),
  );
  return record(out, op, [x], (g) => {
    ids.assertAlive(`${op} backward`);
    const dx = Tensor.empty(x.shape, 'f32', `${op} gradient`);
    withContiguous(g, (gc) =>
      withContiguous(ids, (ic) => indexSelectRowsBackward({ g: gc.buffer, ids: ic.buffer, dx: dx.buffer, A, N, B, n })),
    );
    return [dx];
  });
}

/** x's entries at positions `ids` (i32, 1-D) along `axis`; repeated ids accumulate gradient. */
export function indexSelect(x: Tensor, axis: number, ids: Tensor): Tensor {
  x.assertAlive('indexSelect');
  checkIds('indexSelect', ids);
  if (ids.rank !== 1) throw new Error(`indexSelect: ids must be 1-D, got ${fmt(ids.shape)}`);
  if (x.rank === 0) throw new Error('indexSelect: x must have at least one dimension, got a scalar');
  const ax = normAxis('indexSelect', axis, x.rank);
  const shape = [...x.shape];
  shape[ax] = ids.size;
  return selectRows('indexSelect', x, ax, ids, shape);
}

/** weight[ids]: ids i32 of any shape, weight [V, D] -> [...ids.shape, D]. */
export function embedding(ids: Tensor, weight: Tensor): Tensor {
  weight.assertAlive('embedding');
  checkIds('embedding', ids);
  if (weight.rank !== 2) throw new Error(`embedding: weight must be 2-D [V, D], got ${fmt(weight.shape)}`);
  if (weight.dtype !== 'f32') throw new Error(`embedding: weight must be f32, got ${weight.dtype}`);
  return selectRows('embedding', weight, 0, ids, [...ids.shape, weight.shape[1]]);
}

function checkAlong(op: string, x: Tensor, ax: number, index: Tensor, other?: { t: Tensor; name: string }): void {
  checkIds(op, index, 'index');
  if (index.rank !== x.rank) {
    throw new Error(`${op}: index ${fmt(index.shape)} must have the same rank as input ${fmt(x.shape)}`);
  }
  for (let d = 0; d < x.rank; d++) {
    if (d !== ax && index.shape[d] > x.shape[d]) {
      throw new Error(
        `${op}: index ${fmt(index.shape)} is larger than input ${fmt(x.shape)} in dim ${d} (axis is ${ax})`,
      );
    }
    if (other && index.shape[d] > other.t.shape[d]) {
      throw new Error(
        `${op}: index ${fmt(index.shape)} is larger than ${other.name} ${fmt(other.t.shape)} in dim ${d}`,
      );
    }
  }
}

function gatherRaw(x: Tensor, ax: number, index: Tensor): Tensor {
  const out = Tensor.empty(index.shape, x.dtype, 'gather output');
  withContiguous(index, (ic) =>
    gatherAxis({
      x: x.buffer,
      xStrides: x.strides,
      xOffset: x.offset,
      xShape: x.shape,
      index: ic.buffer,
      indexShape: index.shape,
      out: out.buffer,
      axis: ax,
      dtype: x.dtype,
    }),
  );
  return out;
}

/** Scatter-add src (read at index's coordinates) into a copy of base (or zeros) of `shape`. */
function scatterRaw(base: Tensor | null, shape: readonly number[], ax: number, index: Tensor, src: Tensor): Tensor {
  const out = Tensor.empty(shape, 'f32', 'scatterAdd output');
  const run = (bc: Tensor | null) =>
    withContiguous(index, (ic) =>
      scatterAddAxis({
        x: bc?.buffer ?? null,
        outShape: shape,
        index: ic.buffer,
        indexShape: index.shape,
        src: src.buffer,
        srcStrides: src.strides,
        srcOffset: src.offset,
        out: out.buffer,
        axis: ax,
      }),
    );
  if (base) withContiguous(base, run);
  else run(null);
  return out;
}

/** torch.gather: out[..i..] = x[..index[..i..]..] along `axis`; out has index's shape. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  x.assertAlive('gather');
  const ax = normAxis('gather', axis, x.rank);
  checkAlong('gather', x, ax, index);
  const out = gatherRaw(x, ax, index);
  return record(out, 'gather', [x], (g) => {
    index.assertAlive('gather backward');
    return [scatterRaw(null, x.shape, ax, index, g)];
  });
}

/**
 * torch.scatter_add (out of place): a copy of x with src[..i..] added at x[..index[..i..]..]
 * along `axis`. Deterministic; costs O(x.size * index.shape[axis]).
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  x.assertAlive('scatterAdd');
  src.assertAlive('scatterAdd');
  if (x.dtype !== 'f32' || src.dtype !== 'f32')
    throw new Error(`scatterAdd: x and src must be f32, got ${x.dtype} and ${src.dtype}`);
  const ax = normAxis('scatterAdd', axis, x.rank);
  if (src.rank !== x.rank)
    throw new Error(`scatterAdd: src ${fmt(src.shape)} must have the same rank as x ${fmt(x.shape)}`);
  checkAlong('scatterAdd', x, ax, index, { t: src, name: 'src' });
  const out = scatterRaw(x, x.shape, ax, index, src);
  return record(out, 'scatterAdd', [x, src], (g) => {
    if (!src.requiresGrad) return [g, null];
    index.assertAlive('scatterAdd backward');
    const picked = gatherRaw(g, ax, index);
    if (index.shape.every((s, d) => s === src.shape[d])) return [g, picked];
    // src larger than index: its other entries took no part.
    const gs = full(src.shape, 0);
    const region = gs.view(index.shape, gs.strides, 0);
    assignInto(region, picked);
    region.dispose();
    picked.dispose();
    return [g, gs];
  });
}

/** f32 [...ids.shape, depth] with 1 at each id; out-of-range ids give an all-zero row. */
export function oneHot(ids: Tensor, depth: number): Tensor {
  checkIds('oneHot', ids);
  if (!Number.isInteger(depth) || depth < 0)
    throw new Error(`oneHot: depth must be a non-negative integer, got ${depth}`);
  const col = ids.view([...ids.shape, 1], [...ids.strides, 1]);
  const classes = arange(0, depth, 1, 'i32');
  try {
    return ew('oneHot', 'select(0.0, 1.0, a == b)', [col, classes], { outDtype: 'f32', shape: [...ids.shape, depth] });
  } finally {
    col.dispose();
    classes.dispose();
  }
}
