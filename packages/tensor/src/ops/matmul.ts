// Batched matmul with broadcasting batch dims; transposed operands are strided views (no copy).
import { matmul as matmulKernel } from '@jepa/kernels';
import { isGradEnabled, record } from '../autograd.ts';
import { broadcastShapes, fmt, numel } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { sum, sumToShape } from './reduce.ts';
import { gelu } from './unary.ts';
import { contiguous, reshape, transpose, unsqueeze, squeeze, expand } from './view.ts';

/** Stride of a flattened batch of dims, or null when the dims do not collapse to one stride. */
function batchStride(shape: readonly number[], strides: readonly number[]): number | null {
  let st: number | null = null;
  let expect = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (st === null) {
      st = strides[d];
      expect = strides[d] * shape[d];
    } else if (strides[d] !== expect) {
      if (st === 0 && strides[d] === 0) continue;
      return null;
    } else expect = strides[d] * shape[d];
  }
  return st ?? 0;
}

function matmulRaw(a: Tensor, b: Tensor): Tensor {
  const M = a.shape[a.rank - 2],
    K = a.shape[a.rank - 1];
  const K2 = b.shape[b.rank - 2],
    N = b.shape[b.rank - 1];
  if (K !== K2) throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)} @ ${fmt(b.shape)} (${K} vs ${K2})`);
  const batchShape = broadcastShapes('matmul (batch dims)', a.shape.slice(0, -2), b.shape.slice(0, -2));
  let ea = expand(a, [...batchShape, M, K]);
  let eb = expand(b, [...batchShape, K, N]);
  let sa = batchStride(batchShape, ea.strides.slice(0, -2));
  if (sa === null) {
    const c = contiguous(ea);
    ea.dispose();
    ea = c;
    sa = M * K;
  }
  let sb = batchStride(batchShape, eb.strides.slice(0, -2));
  if (sb === null) {
    const c = contiguous(eb);
    eb.dispose();
    eb = c;
    sb = K * N;
  }
  const out = Tensor.empty([...batchShape, M, N], 'f32', 'matmul output');
  matmulKernel({
    a: ea.buffer,
    b: eb.buffer,
    out: out.buffer,
    batch: numel(batchShape),
    M,
    N,
    K,
    aStrides: [sa, ea.strides[ea.rank - 2], ea.strides[ea.rank - 1]],
    bStrides: [sb, eb.strides[eb.rank - 2], eb.strides[eb.rank - 1]],
    aOffset: ea.offset,
    bOffset: eb.offset,
  });
  ea.dispose();
  eb.dispose();
  return out;
}

/** a @ b over the last two dims, batch dims broadcast; 1-D operands act as row/column vectors. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  a.assertAlive('matmul');
  b.assertAlive('matmul');
  if (a.dtype !== 'f32' || b.dtype !== 'f32')
    throw new Error(`matmul: expects f32 operands, got ${a.dtype} and ${b.dtype}`);
  if (a.rank === 0 || b.rank === 0) throw new Error(`matmul: scalar operand (${fmt(a.shape)} @ ${fmt(b.shape)})`);
  if (a.rank === 1 && b.rank === 1) {
    // As torch.matmul: the dot product, a 0-d tensor.
    if (a.shape[0] !== b.shape[0])
      throw new Error(`matmul: 1-D operands differ in length: ${fmt(a.shape)} @ ${fmt(b.shape)}`);
    return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  }
  if (a.rank === 1) {
    const r = matmul(unsqueeze(a, 0), b);
    return squeeze(r, -2);
  }
  if (b.rank === 1) {
    const r = matmul(a, unsqueeze(b, 1));
    return squeeze(r, -1);
  }
  // [.., M, K] @ [K, N]: fold a's batch dims into M when they are contiguous (linear layers).
  if (
    b.rank === 2 &&
    a.rank > 2 &&
    batchStride(a.shape.slice(0, -1), a.strides.slice(0, -1)) === a.strides[a.rank - 2]
  ) {
    const flat = reshape(a, [-1, a.shape[a.rank - 1]]);
    const r = matmul(flat, b);
    return reshape(r, [...a.shape.slice(0, -1), b.shape[1]]);
  }
  const out = matmulRaw(a, b);
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumToShape(matmulRaw(g, transpose(b)), a.shape) : null,
    b.requiresGrad ? sumToShape(matmulRaw(transpose(a), g), b.shape) : null,
  ]);
}

function checkLinear(op: string, x: Tensor, w: Tensor, bias?: Tensor | null): void {
  x.assertAlive(op);
  w.assertAlive(op);
  if (w.rank !== 2) throw new Error(`${op}: weight must be 2-D [out, in], got ${fmt(w.shape)}`);
  if (x.rank === 0 || x.shape[x.rank - 1] !== w.shape[1]) {
    throw new Error(
      `${op}: input features ${x.shape[x.rank - 1]} (input ${fmt(x.shape)}) do not match weight ${fmt(w.shape)}`,
    );
  }
  if (bias) {
    bias.assertAlive(op);
    if (bias.rank !== 1 || bias.shape[0] !== w.shape[0]) {
      throw new Error(`${op}: bias must be [${w.shape[0]}] for weight ${fmt(w.shape)}, got ${fmt(bias.shape)}`);
    }
  }
}

/** Row stride of x seen as [rows, in] without a copy, or null when its leading dims do not fold. */
function foldedRowStride(x: Tensor): number | null {
  if (x.rank === 1) return 0;
  return batchStride(x.shape.slice(0, -1), x.strides.slice(0, -1));
}

/** One kernel: x @ wᵀ (+ bias over the last dim) (then GELU), x's leading dims folded into rows. */
function linearFused(x: Tensor, w: Tensor, bias: Tensor | null, withGelu: boolean): Tensor | null {
  if (x.dtype !== 'f32' || w.dtype !== 'f32' || (bias && bias.dtype !== 'f32')) return null;
  if (bias && bias.shape[0] > 1 && bias.strides[0] !== 1) return null;
  const sRow = foldedRowStride(x);
  if (sRow === null) return null;
  const N = w.shape[0],
    K = w.shape[1];
  const lead = x.shape.slice(0, -1);
  const out = Tensor.empty([...lead, N], 'f32', withGelu ? 'linearGelu output' : 'linear output');
  matmulKernel({
    a: x.buffer,
    b: w.buffer,
    out: out.buffer,
    batch: 1,
    M: numel(lead),
    N,
    K,
    aStrides: [0, sRow, x.strides[x.rank - 1]],
    aOffset: x.offset,
    bStrides: [0, w.strides[1], w.strides[0]],
    bOffset: w.offset,
    bias: bias?.buffer,
    biasOffset: bias?.offset,
    gelu: withGelu,
  });
  return out;
}

/** x @ wᵀ + bias with w stored [out, in] (PyTorch/HF layout). The bias is added in the matmul's
 *  epilogue (no extra pass over the output); backward: dx = g·w, dw = gᵀ·x, dbias = Σ_rows g. */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  checkLinear('linear', x, w, bias);
  if (!bias) return matmul(x, transpose(w));
  const out = linearFused(x, w, bias, false);
  if (!out) return matmul(x, transpose(w)).add(bias);
  return record(out, 'linear', [x, w, bias], (g) => {
    const N = w.shape[0],
      K = w.shape[1];
    const g2 = reshape(g, [-1, N]);
    const x2 = x.requiresGrad || w.requiresGrad ? reshape(x, [-1, K]) : null;
    return [
      x.requiresGrad ? reshape(matmul(g2, w), x.shape) : null,
      w.requiresGrad ? matmul(transpose(g2), x2!) : null,
      bias.requiresGrad ? sum(g2, 0) : null,
    ];
  });
}

/** gelu(x @ wᵀ + bias) (erf form). Fused into the matmul when no gradient is needed (inference);
 *  with a tape it keeps the pre-activation for GELU's backward: linear, then gelu. */
export function linearGelu(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  checkLinear('linearGelu', x, w, bias);
  const needGrad = isGradEnabled() && (x.requiresGrad || w.requiresGrad || !!bias?.requiresGrad);
  if (!needGrad) {
    const out = linearFused(x, w, bias ?? null, true);
    if (out) return out;
  }
  const h = linear(x, w, bias);
  const y = gelu(h);
  if (!needGrad) h.dispose();
  return y;
}
