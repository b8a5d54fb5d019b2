// The labelled pairs' loss (symmetric MultipleNegativesRankingLoss) against a float64 CPU reference:
// value and gradient (finite differences), its in-batch accuracy, and, where PyTorch is installed,
// sentence-transformers' formula computed by PyTorch.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as T from '@jepa/tensor';
import { mnrlLoss } from '../src/loss/mnrl.ts';
import { checkOp, randArray, vjpCheck } from '../../tensor/test/helpers.ts';
import { PYTHON, torchVersion } from './torch/bridge.ts';

/** S = scale · cos(a_i, b_j) in float64. */
function scores(a: Float64Array, b: Float64Array, B: number, D: number, scale: number): Float64Array {
  const unit = (x: Float64Array) => {
    const out = new Float64Array(x.length);
    for (let i = 0; i < B; i++) {
      let n = 0;
      for (let d = 0; d < D; d++) n += x[i * D + d] ** 2;
      n = Math.sqrt(n + 1e-12);
      for (let d = 0; d < D; d++) out[i * D + d] = x[i * D + d] / n;
    }
    return out;
  };
  const [ua, ub] = [unit(a), unit(b)];
  const s = new Float64Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += ua[i * D + d] * ub[j * D + d];
      s[i * B + j] = scale * dot;
    }
  return s;
}

/** The loss in float64: the mean over rows and over columns of log-sum-exp minus the diagonal, averaged. */
function mnrlCpu(a: Float64Array, b: Float64Array, B: number, D: number, scale: number): number {
  const s = scores(a, b, B, D, scale);
  const ce = (at: (i: number, j: number) => number) => {
    let total = 0;
    for (let i = 0; i < B; i++) {
      let m = -Infinity;
      for (let j = 0; j < B; j++) m = Math.max(m, at(i, j));
      let z = 0;
      for (let j = 0; j < B; j++) z += Math.exp(at(i, j) - m);
      total += m + Math.log(z) - at(i, i);
    }
    return total / B;
  };
  return (ce((i, j) => s[i * B + j]) + ce((i, j) => s[j * B + i])) / 2;
}

describe('MultipleNegativesRankingLoss (symmetric)', () => {
  for (const [B, D, scale] of [
    [2, 3, 20],
    [5, 7, 20],
    [8, 16, 1],
    [16, 12, 50],
  ]) {
    it(`matches float64 values and finite-difference gradients (B=${B}, D=${D}, scale ${scale})`, async () => {
      await checkOp({
        shapes: [
          [B, D],
          [B, D],
        ],
        gpu: (a, b) => mnrlLoss(a, b, scale).loss,
        cpu: ([a, b]) => Float64Array.of(mnrlCpu(a, b, B, D, scale)),
        rtol: 1e-4,
        atol: 1e-4,
      });
    });
  }

  it('random-direction VJP on the GPU, with rows of the batch as views (as the objective slices them)', async () => {
    await vjpCheck((z) => mnrlLoss(z.slice(0, 0, 12), z.slice(0, 12, 24), 20).loss, [[24, 32]], { eps: 1e-3 });
  });

  it('accuracy: the share of rows and columns whose largest score is the diagonal', async () => {
    const [B, D] = [9, 4];
    const a = randArray(B * D, 3);
    const b = randArray(B * D, 4);
    const s = scores(Float64Array.from(a), Float64Array.from(b), B, D, 20);
    let right = 0;
    for (let i = 0; i < B; i++) {
      let [row, col] = [true, true];
      for (let j = 0; j < B; j++) {
        if (s[i * B + j] > s[i * B + i]) row = false;
        if (s[j * B + i] > s[i * B + i]) col = false;
      }
      right += Number(row) + Number(col);
    }
    const got = await T.tidy(() => mnrlLoss(T.tensor(a, [B, D]), T.tensor(b, [B, D]), 20).accuracy).item();
    expect(got).toBeCloseTo(right / (2 * B), 6);
    expect(right).toBeGreaterThan(0);
    expect(right).toBeLessThan(2 * B); // a case with some right and some wrong
    // Identical sides: every pair finds itself.
    const same = await T.tidy(() => mnrlLoss(T.tensor(a, [B, D]), T.tensor(a, [B, D]), 20).accuracy).item();
    expect(same).toBe(1);
  });

  it('rejects mismatched shapes and a single pair by name', () => {
    const a = T.tensor(randArray(12, 1), [3, 4]);
    expect(() => mnrlLoss(a, T.tensor(randArray(8, 2), [2, 4]), 20)).toThrow(/mnrlLoss: expected two \[B, D\] batches/);
    expect(() => mnrlLoss(T.tensor([[1, 2]]), T.tensor([[1, 2]]), 20)).toThrow(/at least 2 pairs/);
  });

  // sentence-transformers' MultipleNegativesSymmetricRankingLoss, as its code computes it.
  const version = torchVersion();
  it.skipIf(!version)(`equals sentence-transformers' formula in PyTorch ${version ?? '(not installed)'}`, async () => {
    const [B, D] = [6, 10];
    const a = randArray(B * D, 21);
    const b = randArray(B * D, 22);
    const py = `
import json, sys, torch, torch.nn.functional as F
x = json.load(sys.stdin); B, D = x["B"], x["D"]
a = torch.tensor(x["a"], dtype=torch.float64).view(B, D); b = torch.tensor(x["b"], dtype=torch.float64).view(B, D)
scores = F.normalize(a, dim=1) @ F.normalize(b, dim=1).t() * 20.0
labels = torch.arange(B)
forward = F.cross_entropy(scores, labels)
backward = F.cross_entropy(scores[:, 0:B].t(), labels)
print((forward + backward).item() / 2)`;
    const r = spawnSync(PYTHON, ['-c', py], {
      input: JSON.stringify({ B, D, a: [...a], b: [...b] }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const got = await T.tidy(() => mnrlLoss(T.tensor(a, [B, D]), T.tensor(b, [B, D]), 20).loss).item();
    expect(got).toBeCloseTo(Number(r.stdout), 4);
  });
});
