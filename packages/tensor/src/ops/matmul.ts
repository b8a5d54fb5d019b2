// Batched matmul with broadcasting batch dims; transposed operands are strided views (no copy).
import { matmul as matmulKernel } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { broadcastShapes, fmt, numel } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { sumToShape } from './reduce.ts';
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
  const M = a.shape[a.rank - 2], K = a.shape[a.rank - 1];
  const K2 = b.shape[b.rank - 2], N = b.shape[b.rank - 1];
  if (K !== K2) throw new Error(`matmul: inner dimensions differ: ${fmt(a.shape)} @ ${fmt(b.shape)} (${K} vs ${K2})`);
  const batchShape = broadcastShapes('matmul (batch dims)', a.shape.slice(0, -2), b.shape.slice(0, -2));
  let ea = expand(a, [...batchShape, M, K]);
  let eb = expand(b, [...batchShape, K, N]);
  let sa = batchStride(batchShape, ea.strides.slice(0, -2));
  if (sa === null) { const c = contiguous(ea); ea.dispose(); ea = c; sa = M * K; }
  let sb = batchStride(batchShape, eb.strides.slice(0, -2));
  if (sb === null) { const c = contiguous(eb); eb.dispose(); eb = c; sb = K * N; }
  const out = Tensor.empty([...batchShape, M, N], 'f32', 'matmul output');
  matmulKernel({
    a: ea.buffer, b: eb.buffer, out: out.buffer,
    batch: numel(batchShape), M, N, K,
    aStrides: [sa, ea.strides[ea.rank - 2], ea.strides[ea.rank - 1]],
    bStrides: [sb, eb.strides[eb.rank - 2], eb.strides[eb.rank - 1]],
    aOffset: ea.offset, bOffset: eb.offset,
  });
  ea.dispose();
  eb.dispose();
  return out;
}

/** a @ b over the last two dims, batch dims broadcast; 1-D operands act as row/column vectors. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  a.assertAlive('matmul');
  b.assertAlive('matmul');
  if (a.dtype !== 'f32' || b.dtype !== 'f32') throw new Error(`matmul: expects f32 operands, got ${a.dtype} and ${b.dtype}`);
  if (a.rank === 0 || b.rank === 0) throw new Error(`matmul: scalar operand (${fmt(a.shape)} @ ${fmt(b.shape)})`);
  if (a.rank === 1) {
    const r = matmul(unsqueeze(a, 0), b);
    return squeeze(r, -2);
  }
  if (b.rank === 1) {
    const r = matmul(a, unsqueeze(b, 1));
    return squeeze(r, -1);
  }
  // [.., M, K] @ [K, N]: fold a's batch dims into M when they are contiguous (linear layers).
  if (b.rank === 2 && a.rank > 2 && batchStride(a.shape.slice(0, -1), a.strides.slice(0, -1)) === a.strides[a.rank - 2]) {
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

/** x @ wᵀ + bias with w stored [out, in] (PyTorch/HF layout). */
export function linear(x: Tensor, w: Tensor, bias?: Tensor | null): Tensor {
  if (w.rank !== 2) throw new Error(`linear: weight must be 2-D [out, in], got ${fmt(w.shape)}`);
  if (x.shape[x.rank - 1] !== w.shape[1]) {
    throw new Error(`linear: input features ${x.shape[x.rank - 1]} (input ${fmt(x.shape)}) do not match weight ${fmt(w.shape)}`);
  }
  const y = matmul(x, transpose(w));
  if (!bias) return y;
  return y.add(bias);
}
