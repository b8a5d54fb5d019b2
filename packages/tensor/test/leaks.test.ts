// leakedCount() and the garbage-collection warning count the same thing: tensors the collector
// freed undisposed. checkLeaks() forces the collection, so the count is known when asked.
import '../../../test/gpu.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkLeaks, leakedCount, tensor, tidy } from '../src/index.ts';

/** Makes `n` tensors and drops them undisposed (nothing outside this frame refers to them). */
function dropUndisposed(n: number): void {
  for (let i = 0; i < n; i++) tensor([i, i + 1]).mul(2);
}

describe('leak accounting', () => {
  afterEach(() => vi.restoreAllMocks());

  it('checkLeaks() counts dropped tensors, and the warning prints the same number as leakedCount()', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const before = await checkLeaks(); // whatever earlier setup left
    warn.mockClear();
    dropUndisposed(3); // 3 inputs + 3 products
    const after = await checkLeaks();
    expect(after - before).toBe(6);
    expect(leakedCount()).toBe(after);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(
      new RegExp(
        `^\\[@jepa/tensor\\] ${after} GPU tensor\\(s\\) were garbage-collected without dispose\\(\\) \\(latest: f32\\[2\\]\\)`,
      ),
    );
  });

  it('disposed and tidy()-scoped tensors are not leaks, and a clean run prints nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const before = await checkLeaks();
    warn.mockClear();
    const kept = tidy(() => tensor([1, 2]).mul(3).add(1));
    (() => {
      const t = tensor([5]);
      t.dispose();
    })();
    kept.dispose();
    expect(await checkLeaks()).toBe(before);
    expect(warn).not.toHaveBeenCalled();
  });
});
