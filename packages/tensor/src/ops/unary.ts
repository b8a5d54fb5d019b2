// Unary elementwise ops. Each row: forward WGSL over `a` (= x), and backward WGSL over
// a = upstream gradient, b = x, c = forward output — one fused kernel each way.
import { record } from '../autograd.ts';
import type { Tensor } from '../tensor.ts';
import { ew } from './ew.ts';

interface UnaryDef {
  fwd: string;
  bwd: string | null;
}

export const UNARY = {
  neg: { fwd: '-a', bwd: '-a' },
  exp: { fwd: 'exp(a)', bwd: 'a * c' },
  log: { fwd: 'log(a)', bwd: 'a / b' },
  sqrt: { fwd: 'sqrt(a)', bwd: 'a * 0.5 / c' },
  rsqrt: { fwd: 'inverseSqrt(a)', bwd: '-0.5 * a * c * c * c' },
  abs: { fwd: 'abs(a)', bwd: 'a * sign(b)' },
  square: { fwd: 'a * a', bwd: '2.0 * a * b' },
  reciprocal: { fwd: '1.0 / a', bwd: '-a * c * c' },
  relu: { fwd: 'max(a, 0.0)', bwd: 'select(0.0, a, b > 0.0)' },
  gelu: { fwd: 'gelu_f(a)', bwd: 'a * gelu_grad_f(b)' },
  sigmoid: { fwd: 'sigmoid_f(a)', bwd: 'a * c * (1.0 - c)' },
  tanh: { fwd: 'tanh_f(a)', bwd: 'a * (1.0 - c * c)' },
  sin: { fwd: 'sin(a)', bwd: 'a * cos(b)' },
  cos: { fwd: 'cos(a)', bwd: '-a * sin(b)' },
  sign: { fwd: 'sign(a)', bwd: null },
} satisfies Record<string, UnaryDef>;

export type UnaryName = keyof typeof UNARY;

export function unary(name: UnaryName, x: Tensor): Tensor {
  const def: UnaryDef = UNARY[name];
  if (x.dtype !== 'f32') throw new Error(`${name}: expects an f32 tensor, got ${x.dtype}`);
  const out = ew(name, def.fwd, [x]);
  if (def.bwd === null) return out;
  const bwd = def.bwd;
  return record(out, name, [x], (g) => [ew(`${name}_backward`, bwd, [g, x, out], { shape: x.shape })]);
}

export const neg = (x: Tensor) => unary('neg', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const rsqrt = (x: Tensor) => unary('rsqrt', x);
export const abs = (x: Tensor) => unary('abs', x);
export const square = (x: Tensor) => unary('square', x);
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
export const relu = (x: Tensor) => unary('relu', x);
export const gelu = (x: Tensor) => unary('gelu', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const sin = (x: Tensor) => unary('sin', x);
export const cos = (x: Tensor) => unary('cos', x);
export const sign = (x: Tensor) => unary('sign', x);

/** clamp(x, lo, hi); the gradient passes where lo <= x <= hi. */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (lo > hi) throw new Error(`clamp: lo ${lo} > hi ${hi}`);
  const out = ew('clamp', 'clamp(a, s0, s1)', [x], { scalars: [lo, hi] });
  return record(out, 'clamp', [x], (g) => [
    ew('clamp_backward', 'select(0.0, a, b >= s0 && b <= s1)', [g, x], { scalars: [lo, hi], shape: x.shape }),
  ]);
}

/** x * s + t with scalars, one kernel (used by optimisers and losses). */
export function affine(x: Tensor, s: number, t = 0): Tensor {
  const out = ew('affine', 'a * s0 + s1', [x], { scalars: [s, t] });
  return record(out, 'affine', [x], (g) => [ew('scale', 'a * s0', [g], { scalars: [s] })]);
}
