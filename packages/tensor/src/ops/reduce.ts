// Reductions over any axes. Axes that form one contiguous block reduce in place as [A, R, B];
// scattered axes are permuted to the end first.
import { reduce as reduceKernel, type ReduceOp } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { fmt, normAxes, numel, sameShape, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { ew } from './ew.ts';
import { contiguous, expand, permute, reshape } from './view.ts';

function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepdim: boolean, scale = 1): Tensor {
  x.assertAlive(op);
  if (x.dtype !== 'f32') throw new Error(`${op}: expects an f32 tensor, got ${x.dtype}`);
  const rank = x.rank;
  const outShape = keepdim
    ? x.shape.map((s, d) => (axes.includes(d) ? 1 : s))
    : x.shape.filter((_, d) => !axes.includes(d));
  const block = axes.length === 0 || axes[axes.length - 1] - axes[0] === axes.length - 1;
  let src = x;
  let A: number, R: number, B: number;
  if (block && axes.length) {
    A = numel(x.shape.slice(0, axes[0]));
    R = numel(axes.map((d) => x.shape[d]));
    B = numel(x.shape.slice(axes[axes.length - 1] + 1));
  } else if (axes.length === 0) {
    A = x.size;
    R = 1;
    B = 1;
  } else {
    const kept = [...Array(rank).keys()].filter((d) => !axes.includes(d));
    src = permute(x, [...kept, ...axes]);
    A = numel(kept.map((d) => x.shape[d]));
    R = numel(axes.map((d) => x.shape[d]));
    B = 1;
  }
  const c = src.isContiguous() ? src : contiguous(src);
  const out = Tensor.empty(outShape, 'f32', `${op} output`);
  if (R === 0 && op !== 'sum' && op !== 'sumsq')
    throw new Error(`${op}: reduction over an empty axis of ${fmt(x.shape)}`);
  reduceKernel({ op, x: c.buffer, out: out.buffer, A, R, B, scale });
  if (c !== src) c.dispose();
  if (src !== x) src.dispose();
  return out;
}

function keptShape(x: Tensor, axes: number[]): number[] {
  return x.shape.map((s, d) => (axes.includes(d) ? 1 : s));
}

export function sum(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const ax = normAxes('sum', axes, x.rank);
  const out = reduceRaw('sum', x, ax, keepdim);
  return record(out, 'sum', [x], (g) => [expand(reshape(g, keptShape(x, ax)), [...x.shape])]);
}

export function mean(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const ax = normAxes('mean', axes, x.rank);
  const n = numel(ax.map((d) => x.shape[d]));
  const out = reduceRaw('sum', x, ax, keepdim, 1 / Math.max(n, 1));
  return record(out, 'mean', [x], (g) => [
    expand(reshape(ew('scale', 'a * s0', [g], { scalars: [1 / n] }), keptShape(x, ax)), [...x.shape]),
  ]);
}

function extremum(
  op: 'max' | 'min',
  x: Tensor,
  axes: number | readonly number[] | undefined,
  keepdim: boolean,
): Tensor {
  const ax = normAxes(op, axes, x.rank);
  const out = reduceRaw(op, x, ax, keepdim);
  return record(out, op, [x], (g) => {
    // Ties share the gradient evenly (as torch.amax).
    const ks = keptShape(x, ax);
    const mask = ew(`${op}_mask`, 'select(0.0, 1.0, a == b)', [x, reshape(out, ks)], { shape: x.shape });
    const count = reduceRaw('sum', mask, ax, true);
    return [ew(`${op}_backward`, 'a * b / c', [reshape(g, ks), mask, count], { shape: x.shape })];
  });
}

export const max = (x: Tensor, axes?: number | readonly number[], keepdim = false) => extremum('max', x, axes, keepdim);
export const min = (x: Tensor, axes?: number | readonly number[], keepdim = false) => extremum('min', x, axes, keepdim);

/** Variance over axes (unbiased by default, as torch.var). Composed, so its gradient is automatic. */
export function variance(
  x: Tensor,
  axes?: number | readonly number[],
  opts: { unbiased?: boolean; keepdim?: boolean } = {},
): Tensor {
  const ax = normAxes('var', axes, x.rank);
  const n = numel(ax.map((d) => x.shape[d]));
  const denom = opts.unbiased === false ? n : n - 1;
  if (denom <= 0)
    throw new Error(
      `var: needs more than ${opts.unbiased === false ? 0 : 1} element(s) over axes ${fmt(ax)} of ${fmt(x.shape)}`,
    );
  const mu = mean(x, ax, true);
  const d = ew('sub', 'a - b', [x, mu]);
  const dRec = record(d, 'sub', [x, mu], (g) => [g, reshape(sum(ew('neg', '-a', [g]), ax, true), mu.shape)]);
  const sq = ew('square', 'a * a', [dRec]);
  const sqRec = record(sq, 'square', [dRec], (g) => [ew('square_backward', '2.0 * a * b', [g, dRec])]);
  const s = sum(sqRec, ax, opts.keepdim ?? false);
  const out = ew('scale', 'a * s0', [s], { scalars: [1 / denom] });
  return record(out, 'var', [s], (g) => [ew('scale', 'a * s0', [g], { scalars: [1 / denom] })]);
}

/** Sum a broadcast gradient back down to `shape`. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.rank; d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  }
  const s = reduceRaw('sum', g, axes, false);
  if (sameShape(s.shape, shape)) return s;
  const r = reshape(s, shape);
  s.dispose();
  return r;
}
