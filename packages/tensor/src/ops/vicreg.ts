// VICReg variance/covariance statistics in one fused pass (see kernels/wgsl/vicreg.ts for the math).
// std and cov are separate autograd nodes, so a loss that uses one pays only for its backward.
import { vicregCovGrad, vicregForward, vicregPlan, vicregStdGrad, type VicregMethod } from '@jepa/kernels';
import { isGradEnabled, record } from '../autograd.ts';
import { fmt } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { contiguous } from './view.ts';

export interface VicregOptions {
  gamma?: number;
  eps?: number;
  /** 'auto' picks the N×N (gram) form when N <= D, else D×D tiles; the others force one (tests). */
  method?: VicregMethod;
}

/** std = mean_j relu(gamma - sqrt(var_j + eps)) (unbiased var), cov = Σ_{i≠j} C_ij², C = zcᵀzc/(N-1). */
export function vicregStats(z: Tensor, opts: VicregOptions = {}): { std: Tensor; cov: Tensor } {
  const { gamma = 1, eps = 1e-4, method = 'auto' } = opts;
  z.assertAlive('vicregStats');
  if (z.rank !== 2 || z.dtype !== 'f32')
    throw new Error(`vicregStats: expects an f32 [N, D] tensor, got ${z.dtype}${fmt(z.shape)}`);
  const [N, D] = z.shape;
  if (N < 2) throw new Error(`vicregStats: needs at least 2 rows for an unbiased variance, got ${fmt(z.shape)}`);
  // Kept for the backward: the contiguous input (z itself when possible) and the column stats.
  const zc = z.isContiguous() ? z : contiguous(z);
  const stats = Tensor.empty([2, D], 'f32', 'vicreg stats');
  const std = Tensor.empty([], 'f32', 'vicreg std');
  const cov = Tensor.empty([], 'f32', 'vicreg cov');
  // On the N×N (gram) path the forward also keeps K/(N-1) (N² <= N·D floats) so the backward skips
  // recomputing it; the D×D path never stores its matrix in the forward.
  const plan = vicregPlan(N, D, method);
  const gram =
    plan.gram && isGradEnabled() && z.requiresGrad ? Tensor.empty([plan.Np, plan.Np], 'f32', 'vicreg gram') : null;
  vicregForward({
    z: zc.buffer,
    N,
    D,
    stats: stats.buffer,
    std: std.buffer,
    cov: cov.buffer,
    gamma,
    eps,
    method,
    gram: gram?.buffer,
  });
  const scalarGrad = (g: Tensor) => (g.isContiguous() ? g : contiguous(g));
  // std and cov each own a handle on the saved storage, so it is freed when both nodes are released.
  const zcOwned = zc !== z ? zc : null;
  const covSaved = [zcOwned?.alias(), stats.alias(), gram];
  record(
    std,
    'vicreg_std',
    [z],
    (g) => {
      const gc = scalarGrad(g);
      const dz = Tensor.empty([N, D], 'f32', 'vicreg std grad');
      vicregStdGrad({ z: zc.buffer, N, D, stats: stats.buffer, g: gc.buffer, out: dz.buffer, gamma, eps });
      if (gc !== g) gc.dispose();
      return [dz];
    },
    { saved: [zcOwned, stats] },
  );
  record(
    cov,
    'vicreg_cov',
    [z],
    (g) => {
      const gc = scalarGrad(g);
      const dz = Tensor.empty([N, D], 'f32', 'vicreg cov grad');
      vicregCovGrad({
        z: zc.buffer,
        N,
        D,
        stats: stats.buffer,
        g: gc.buffer,
        out: dz.buffer,
        method,
        gram: gram?.buffer,
      });
      if (gc !== g) gc.dispose();
      return [dz];
    },
    { saved: covSaved },
  );
  return { std, cov };
}
