// Views that share storage (reshape of contiguous data, permute, slice, expand, squeeze) and
// contiguous()/cast(), which copy. Each records its backward rule here.
import { record } from '../autograd.ts';
import { contiguousStrides, fmt, normAxis, numel, sameShape, type Shape } from '../shape.ts';
import type { Tensor, DType } from '../tensor.ts';
import { assignInto, ew } from './ew.ts';
import { full } from './creation.ts';
import { sumToShape } from './reduce.ts';

export function contiguous(x: Tensor): Tensor {
  x.assertAlive('contiguous');
  // An alias still needs a tape node, or the gradient would stop here.
  const out = x.isContiguous() ? x.alias() : ew('contiguous', 'a', [x], { shape: x.shape });
  return record(out, 'contiguous', [x], (g) => [g]);
}

/** Convert dtype (no gradient across a dtype change; same-dtype casts pass it through). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return record(x.alias(), 'cast', [x], (g) => [g]);
  return ew(`cast_${dtype}`, 'a', [x], { outDtype: dtype, shape: x.shape });
}

function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = numel(s.filter((_, i) => i !== neg));
    s[neg] = rest === 0 ? 0 : x.size / rest;
  }
  if (!s.every((v) => Number.isInteger(v) && v >= 0) || numel(s) !== x.size) {
    throw new Error(`${op}: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  }
  return s;
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive('reshape');
  const s = resolveShape('reshape', x, shape);
  let out: Tensor;
  if (x.isContiguous()) out = x.view(s, contiguousStrides(s));
  else {
    const c = contiguous(x);
    out = c.view(s, contiguousStrides(s));
    c.dispose();
  }
  return record(out, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  const a = normAxis('flatten', start, x.rank);
  const b = normAxis('flatten', end, x.rank);
  const s = [...x.shape.slice(0, a), numel(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, s);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x.assertAlive('permute');
  const d = dims.map((a) => normAxis('permute', a, x.rank));
  if (d.length !== x.rank || new Set(d).size !== d.length) {
    throw new Error(`permute: dims ${fmt(dims)} are not a permutation of ${x.rank} axes (shape ${fmt(x.shape)})`);
  }
  const out = x.view(
    d.map((i) => x.shape[i]),
    d.map((i) => x.strides[i]),
  );
  const inv = new Array<number>(d.length);
  d.forEach((p, i) => (inv[p] = i));
  return record(out, 'permute', [x], (g) => [permute(g, inv)]);
}

export function transpose(x: Tensor, d0 = -2, d1 = -1): Tensor {
  const a = normAxis('transpose', d0, x.rank);
  const b = normAxis('transpose', d1, x.rank);
  const dims = [...Array(x.rank).keys()];
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(x, dims);
}

/** Elements [start, end) along axis (negative indices count from the end). */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  x.assertAlive('slice');
  const a = normAxis('slice', axis, x.rank);
  const n = x.shape[a];
  let s = start < 0 ? start + n : start;
  let e = end === undefined ? n : end < 0 ? end + n : end;
  s = Math.min(Math.max(s, 0), n);
  e = Math.min(Math.max(e, s), n);
  const shape = [...x.shape];
  shape[a] = e - s;
  const out = x.view(shape, x.strides, x.offset + s * x.strides[a]);
  return record(out, 'slice', [x], (g) => {
    const gx = full(x.shape, 0);
    const region = slice(gx, a, s, e);
    assignInto(region, g);
    region.dispose();
    return [gx];
  });
}

export function expand(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive('expand');
  const off = shape.length - x.rank;
  if (off < 0) throw new Error(`expand: cannot expand ${fmt(x.shape)} to fewer dims ${fmt(shape)}`);
  const strides = new Array<number>(shape.length).fill(0);
  const s = [...shape];
  for (let i = 0; i < x.rank; i++) {
    const want = s[off + i] === -1 ? x.shape[i] : s[off + i];
    if (x.shape[i] !== want && x.shape[i] !== 1) {
      throw new Error(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)} (dim ${off + i})`);
    }
    s[off + i] = want;
    strides[off + i] = x.shape[i] === want ? x.strides[i] : 0;
  }
  if (sameShape(s, x.shape)) return record(x.alias(), 'expand', [x], (g) => [g]);
  const out = x.view(s, strides);
  return record(out, 'expand', [x], (g) => [sumToShape(g, x.shape)]);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  if (a < 0 || a > x.rank) throw new Error(`unsqueeze: axis ${axis} out of range for rank ${x.rank}`);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  const strides = [...x.strides];
  strides.splice(a, 0, a < x.rank ? x.strides[a] * x.shape[a] : 1);
  const out = x.view(shape, strides);
  return record(out, 'unsqueeze', [x], (g) => [reshape(g, x.shape)]);
}

export function squeeze(x: Tensor, axis?: number): Tensor {
  const keep = [...x.shape.keys()].filter((d) => {
    if (axis === undefined) return x.shape[d] !== 1;
    return d !== normAxis('squeeze', axis, x.rank) || x.shape[d] !== 1;
  });
  const out = x.view(
    keep.map((d) => x.shape[d]),
    keep.map((d) => x.strides[d]),
  );
  return record(out, 'squeeze', [x], (g) => [reshape(g, x.shape)]);
}

export type { Shape };
