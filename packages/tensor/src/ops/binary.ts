// Binary elementwise ops with broadcasting. A number operand becomes a uniform scalar (s0),
// so `x.mul(2)` costs one kernel and no upload.
import { record } from '../autograd.ts';
import type { Tensor } from '../tensor.ts';
import { ew } from './ew.ts';
import { sumToShape } from './reduce.ts';

type Operand = Tensor | number;

/** `cast`: scalars take the tensor's type (false where the expression compares in f32). */
function apply(name: string, expr: string, a: Operand, b: Operand, outDtype?: 'f32', cast = true): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${name}: needs at least one tensor`);
  if (typeof b === 'number')
    return ew(
      name,
      expr.replaceAll('B', cast ? scalar(name, a as Tensor, b) : 's0').replaceAll('A', 'a'),
      [a as Tensor],
      { scalars: [b], outDtype },
    );
  if (typeof a === 'number')
    return ew(name, expr.replaceAll('A', cast ? scalar(name, b, a) : 's0').replaceAll('B', 'a'), [b], {
      scalars: [a],
      outDtype,
    });
  if (a.dtype !== b.dtype) throw new Error(`${name}: dtype mismatch ${a.dtype} vs ${b.dtype}`);
  return ew(name, expr.replaceAll('A', 'a').replaceAll('B', 'b'), [a, b], { outDtype });
}

/** The uniform scalar as WGSL of the tensor's type (it travels as f32: exact for |v| ≤ 2^24). */
function scalar(name: string, t: Tensor, v: number): string {
  if (t.dtype === 'f32') return 's0';
  if (!Number.isInteger(v) || Math.abs(v) > 2 ** 24) {
    throw new Error(`${name}: scalar ${v} with ${t}: use an integer up to 2^24, or cast the tensor to f32 first`);
  }
  return `${t.dtype}(s0)`;
}

const isT = (x: Operand): x is Tensor => typeof x !== 'number';
const reqs = (...xs: Operand[]): Tensor[] => xs.filter(isT);

/** Gradient of each tensor operand, summed down to its own shape. */
function grads(a: Operand, b: Operand, ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] {
  const out: (Tensor | null)[] = [];
  if (isT(a)) out.push(a.requiresGrad ? sumToShape(ga(), a.shape) : null);
  if (isT(b)) out.push(b.requiresGrad ? sumToShape(gb(), b.shape) : null);
  return out;
}

export function add(a: Operand, b: Operand): Tensor {
  const out = apply('add', 'A + B', a, b);
  return record(out, 'add', reqs(a, b), (g) =>
    grads(
      a,
      b,
      () => g,
      () => g,
    ),
  );
}

export function sub(a: Operand, b: Operand): Tensor {
  const out = apply('sub', 'A - B', a, b);
  return record(out, 'sub', reqs(a, b), (g) =>
    grads(
      a,
      b,
      () => g,
      () => ew('neg', '-a', [g]),
    ),
  );
}

export function mul(a: Operand, b: Operand): Tensor {
  const out = apply('mul', 'A * B', a, b);
  return record(out, 'mul', reqs(a, b), (g) =>
    grads(
      a,
      b,
      () => mulRaw(g, b),
      () => mulRaw(g, a),
    ),
  );
}

export function div(a: Operand, b: Operand): Tensor {
  const out = apply('div', 'A / B', a, b);
  return record(out, 'div', reqs(a, b), (g) =>
    grads(
      a,
      b,
      () => (isT(b) ? ew('div_ga', 'a / b', [g, b]) : ew('div_ga', 'a / s0', [g], { scalars: [b] })),
      // d(a/b)/db = -out / b
      () => ew('div_gb', '-a * b / c', [g, out, b as Tensor]),
    ),
  );
}

export function pow(a: Operand, b: Operand): Tensor {
  const out = apply('pow', 'pow_f(A, B)', a, b);
  return record(out, 'pow', reqs(a, b), (g) =>
    grads(
      a,
      b,
      () =>
        isT(b)
          ? ew('pow_ga', 'a * c * pow_f(b, c - 1.0)', [g, a as Tensor, b])
          : ew('pow_ga', 'a * s0 * pow_f(b, s0 - 1.0)', [g, a as Tensor], { scalars: [b] }),
      () =>
        isT(a)
          ? ew('pow_gb', 'a * b * log(c)', [g, out, a])
          : ew('pow_gb', 'a * b * log(s0)', [g, out], { scalars: [a] }),
    ),
  );
}

export function maximum(a: Operand, b: Operand): Tensor {
  const out = apply('maximum', 'max(A, B)', a, b);
  return record(out, 'maximum', reqs(a, b), (g) =>
    grads(
      a,
      b,
      () => mulRaw(g, apply('ge', 'select(0.0, 1.0, A >= B)', a, b)),
      () => mulRaw(g, apply('lt', 'select(0.0, 1.0, A < B)', a, b)),
    ),
  );
}

export function minimum(a: Operand, b: Operand): Tensor {
  const out = apply('minimum', 'min(A, B)', a, b);
  return record(out, 'minimum', reqs(a, b), (g) =>
    grads(
      a,
      b,
      () => mulRaw(g, apply('le', 'select(0.0, 1.0, A <= B)', a, b)),
      () => mulRaw(g, apply('gt', 'select(0.0, 1.0, A > B)', a, b)),
    ),
  );
}

function mulRaw(g: Tensor, o: Operand): Tensor {
  return isT(o) ? ew('mul', 'a * b', [g, o]) : ew('scale', 'a * s0', [g], { scalars: [o] });
}

// Comparisons give f32 0/1 masks (no gradient).
const cmp =
  (name: string, op: string) =>
  (a: Operand, b: Operand): Tensor => {
    const ta = isT(a) ? a : null;
    const tb = isT(b) ? b : null;
    const dt = (ta ?? tb)!.dtype;
    // Compare in the operands' own type; i32 scalars travel as f32 and are exact below 2^24.
    const A = ta && dt === 'i32' ? 'f32(a)' : 'A';
    const B = tb && dt === 'i32' ? (ta ? 'f32(b)' : 'f32(a)') : 'B';
    const expr = `select(0.0, 1.0, ${A} ${op} ${B})`;
    return apply(name, expr, a, b, 'f32', false);
  };
export const eq = cmp('eq', '==');
export const ne = cmp('ne', '!=');
export const lt = cmp('lt', '<');
export const le = cmp('le', '<=');
export const gt = cmp('gt', '>');
export const ge = cmp('ge', '>=');

/** cond ? a : b, elementwise with broadcasting; cond is a 0/1 mask. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const out = ew('where', 'select(c, b, a != 0.0)', [cond, a, b]);
  return record(out, 'where', [cond, a, b], (g) => [
    null,
    a.requiresGrad ? sumToShape(ew('where_ga', 'select(0.0, a, b != 0.0)', [g, cond]), a.shape) : null,
    b.requiresGrad ? sumToShape(ew('where_gb', 'select(a, 0.0, b != 0.0)', [g, cond]), b.shape) : null,
  ]);
}
