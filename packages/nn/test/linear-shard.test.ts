import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { concat, manualSeed, runtime, sum, tensor, tidy } from '@jepa/tensor';
import { randArray } from '../../tensor/test/helpers.ts';
import { AdamW, Expander, Linear, copyInto } from '../src/index.ts';

describe('Linear with a sharded weight (row blocks under the binding limit)', () => {
  it('matches the unsharded layer in forward and backward, with uneven blocks', async () => {
    const [inF, outF, N] = [7, 10, 5];
    // 4 rows of 7 floats per block -> blocks of 4, 4, 2 rows... asked as 3 blocks of ceil(10/3) = 4.
    const sharded = new Linear(inF, outF, { maxShardBytes: 4 * inF * 4 });
    const plain = new Linear(inF, outF);
    expect(sharded.shards).toBe(3);
    expect(sharded.weightShards.map((w) => w.shape)).toEqual([
      [4, 7],
      [4, 7],
      [2, 7],
    ]);
    expect(sharded.namedParameters().map(([n]) => n)).toEqual([
      'weight_shard0',
      'weight_shard1',
      'weight_shard2',
      'bias',
    ]);
    const W = randArray(outF * inF, 3),
      b = randArray(outF, 4);
    copyInto(plain.weight, { shape: [outF, inF], data: W });
    copyInto(plain.bias!, { shape: [outF], data: b });
    // A whole [out, in] weight, as PyTorch saves it, is split into the blocks on load.
    sharded.loadStateDict(
      new Map([
        ['weight', { shape: [outF, inF], data: W }],
        ['bias', { shape: [outF], data: b }],
      ]),
    );
    expect(Array.from(await sharded.weightShards[1].toArray())).toEqual(Array.from(W.slice(4 * inF, 8 * inF)));
    expect(() =>
      sharded.loadStateDict(
        new Map([
          ['weight', { shape: [outF + 1, inF], data: new Float32Array((outF + 1) * inF) }],
          ['bias', { shape: [outF], data: b }],
        ]),
      ),
    ).toThrow(/unexpected "weight"/);
    const xs = randArray(N * inF, 5),
      gy = randArray(N * outF, 6);
    const run = async (m: Linear) => {
      const x = tensor(xs, [N, inF]).requireGrad(true);
      m.zeroGrad();
      const y = await tidy(() => {
        const out = m.forward(x);
        sum(out.mul(tensor(gy, [N, outF]))).backward();
        return out;
      }).toArray();
      const gw = await tidy(() =>
        concat(
          m.weightShards.map((w) => w.grad!),
          0,
        ),
      ).toArray();
      return { y, gx: await x.grad!.toArray(), gw, gb: await m.bias!.grad!.toArray() };
    };
    const a = await run(sharded),
      r = await run(plain);
    for (const k of ['y', 'gx', 'gw', 'gb'] as const) {
      expect(a[k].length).toBe(r[k].length);
      a[k].forEach((v, i) => expect(v, `${k}[${i}]`).toBeCloseTo(r[k][i], 5));
    }
  });

  it('names the blocks when the single weight is asked for, and rejects a row over the limit', () => {
    const l = new Linear(4, 6, { maxShardBytes: 32, bias: false });
    expect(l.shards).toBe(3);
    expect(() => l.weight).toThrow(/Linear\(4→6\): the weight is held in 3 row blocks \(weight_shard0..2\)/);
    expect(() => new Linear(16, 2, { maxShardBytes: 32 })).toThrow(
      /Linear\(16→2\): one weight row \(64 bytes\) exceeds the 32-byte binding limit/,
    );
  });

  it('builds and trains the official 8192-8192-8192 expander within the per-binding limit', async () => {
    manualSeed(2);
    const limit = runtime().limits.maxStorageBufferBindingSize;
    const ex = new Expander([32, 8192, 8192, 8192], { finalBias: false }).train();
    const names = ex.namedParameters().map(([n, t]) => [n, t.size * 4] as const);
    // 8192×8192 f32 is 256 MiB: two row blocks on a 128 MiB device.
    expect(names.filter(([n]) => n.startsWith('3.weight_shard')).length).toBe(Math.ceil((8192 * 8192 * 4) / limit));
    for (const [n, bytes] of names) expect(bytes, n).toBeLessThanOrEqual(limit);
    expect(names.some(([n]) => n === '6.bias')).toBe(false);
    // Adam's first step moves every weight by ~lr: with 8192 inputs per unit, keep it small.
    const opt = new AdamW(ex.parameters(), { lr: 1e-5 });
    const x = tensor(randArray(8 * 32, 7), [8, 32]);
    const loss = async () =>
      tidy(() => {
        const z = ex.forward(x);
        const l = z.square().mean();
        l.backward();
        return l;
      }).item();
    const l0 = await loss();
    opt.step();
    ex.zeroGrad();
    const l1 = await loss();
    expect(Number.isFinite(l0) && Number.isFinite(l1)).toBe(true);
    expect(l1).toBeLessThan(l0); // one step down the gradient of a smooth loss
    opt.dispose();
    ex.dispose();
    x.dispose();
  });
});
