// The bench's round statistics, and the PyTorch peer's long-lived process that the rounds time.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SPREAD_LIMIT, ratioStats, roundOrder } from '../src/rounds.ts';
import { setupTorchPeer, torchPython } from '../src/torch-peer.ts';

describe('ratioStats', () => {
  it('takes the median of per-round ratios, not the ratio of medians', () => {
    // Round 3 is loaded on both sides: its ratio is still 2.
    const st = ratioStats([10, 10, 40, 10, 10], [20, 21, 80, 19, 20]);
    expect(st.ratio).toBe(2);
    expect(st.min).toBeCloseTo(1.9, 12);
    expect(st.max).toBeCloseTo(2.1, 12);
    expect(st.spread).toBeCloseTo(0.1, 12);
    expect(st.unstable).toBe(false);
  });

  it('flags a spread over the limit', () => {
    const st = ratioStats([10, 10, 10, 10, 10], [10, 10, 10, 10, 14]);
    expect(st.ratio).toBe(1);
    expect(st.spread).toBeCloseTo(0.4, 12);
    expect(st.spread > SPREAD_LIMIT && st.unstable).toBe(true);
  });

  it('needs one time per round on each side', () => {
    expect(() => ratioStats([1, 2], [1])).toThrow(/ratioStats: one time per round on each side, got 2 and 1/);
    expect(() => ratioStats([], [])).toThrow(/got 0 and 0/);
  });
});

describe('roundOrder', () => {
  it('reverses the order every other round', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(['ours', 'tfjs', 'torch'], r).join(' '))).toEqual([
      'ours tfjs torch',
      'torch tfjs ours',
      'ours tfjs torch',
      'torch tfjs ours',
    ]);
  });
});

const hasTorch = spawnSync(torchPython(), ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (process.env.JEPA_REQUIRE_TORCH && !hasTorch)
  throw new Error(`JEPA_REQUIRE_TORCH is set but ${torchPython()} cannot import torch`);

describe.skipIf(!hasTorch)('torch peer, long-lived process', () => {
  it('keeps cases warm and times them round by round', async () => {
    const peer = setupTorchPeer('cpu', 1);
    try {
      const a = await peer.open({ kind: 'matmul', M: 32, K: 48, N: 16 });
      const b = await peer.open({ kind: 'linear', tokens: 8, in: 16, out: 8, gelu: true });
      for (let r = 0; r < 3; r++) {
        const ta = await a.time(2);
        const tb = await b.time(1);
        expect(ta.runs).toHaveLength(2);
        expect(ta.cpu).toHaveLength(2);
        expect(tb.runs).toHaveLength(1);
        for (const ms of [...ta.runs, ...tb.runs]) expect(ms).toBeGreaterThan(0);
      }
      await a.close();
      await expect(a.time(1)).rejects.toThrow(/KeyError/);
      await expect(peer.open({ kind: 'nope' } as never)).rejects.toThrow(/KeyError: 'nope'/);
      await b.close();
    } finally {
      peer.dispose();
    }
  }, 120_000);
});
