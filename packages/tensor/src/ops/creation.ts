// Creating tensors: from host data, constants, ranges.
import { fill, runtime } from '@jepa/kernels';
import { checkShape, fmt, numel, type Shape } from '../shape.ts';
import { Tensor, type DType } from '../tensor.ts';

type Nested = number | readonly Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0] as Nested;
  }
  return shape;
}

/** A tensor from host data: a typed array or nested arrays; shape defaults to the data's own. */
export function tensor(
  data: Float32Array | Int32Array | readonly number[] | Nested,
  shape?: Shape,
  dtype?: DType,
): Tensor {
  let flat: Float32Array | Int32Array;
  const dt: DType = dtype ?? (data instanceof Int32Array ? 'i32' : 'f32');
  let inferred: number[];
  if (data instanceof Float32Array || data instanceof Int32Array) {
    inferred = [data.length];
    flat =
      dt === 'i32'
        ? data instanceof Int32Array
          ? data
          : Int32Array.from(data)
        : data instanceof Float32Array
          ? data
          : Float32Array.from(data);
  } else if (typeof data === 'number') {
    inferred = [];
    flat = dt === 'i32' ? Int32Array.of(data) : Float32Array.of(data);
  } else {
    inferred = inferShape(data as Nested);
    const vals = (data as unknown[]).flat(Infinity) as number[];
    flat = dt === 'i32' ? Int32Array.from(vals) : Float32Array.from(vals);
  }
  const s = shape ? [...shape] : inferred;
  checkShape('tensor', s);
  if (numel(s) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fill shape ${fmt(s)} (${numel(s)} elements)`);
  }
  const t = Tensor.empty(s, dt, 'tensor');
  if (flat.length) runtime().write(t.buffer, 0, flat);
  return t;
}

export function full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  checkShape('full', shape);
  const t = Tensor.empty(shape, dtype, 'full');
  fill(t.buffer, t.size, dtype, value);
  return t;
}

export const zeros = (shape: Shape, dtype: DType = 'f32'): Tensor => full(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'f32'): Tensor => full(shape, 1, dtype);
export const scalar = (v: number, dtype: DType = 'f32'): Tensor => full([], v, dtype);

/** [start, start+step, ...) below end. */
export function arange(start: number, end?: number, step = 1, dtype: DType = 'f32'): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0) throw new Error('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const t = Tensor.empty([n], dtype, 'arange');
  fill(t.buffer, n, dtype, start, step);
  return t;
}
