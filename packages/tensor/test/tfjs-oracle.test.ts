// An independent oracle: values and gradients against TensorFlow.js (tfjs-core 4.22, CPU backend,
// float32), for the ops a BERT-style model is made of.
import '../../../test/gpu.ts';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself (the tfjs union package does).
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it as vit } from 'vitest';
import * as T from '../src/index.ts';
import { expectClose, numelOf, randArray } from './helpers.ts';

const { tensor } = T;
// Every test frees the tensors it made, so none is left for the GC after the runtime shuts down.
const it = (name: string, fn: () => unknown) =>
  vit(name, () =>
    T.tidyAsync(async () => {
      await fn();
    }),
  );

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Tol {
  rtol?: number;
  atol?: number;
  grtol?: number;
  gatol?: number;
}

/**
 * Runs both sides on the same random inputs; compares f(x) and the gradients of sum(f(x) * u)
 * for a random u (tf.grads on the tfjs side, backward() here).
 */
async function compare(
  name: string,
  shapes: number[][],
  ours: (...xs: T.Tensor[]) => T.Tensor,
  theirs: (...xs: tf.Tensor[]) => tf.Tensor,
  tol: Tol = {},
): Promise<void> {
  const data = shapes.map((s, i) => randArray(numelOf(s), 100 + i));
  const tx = data.map((d, i) => tf.tensor(d, shapes[i]));
  const ty = theirs(...tx);
  const u = randArray(ty.size, 7);
  const tu = tf.tensor(u, ty.shape);
  const tg = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(theirs(...xs), tu)))(tx);

  const ox = data.map((d, i) => tensor(d, shapes[i]).requireGrad());
  const oy = ours(...ox);
  expect(oy.shape, `${name}: shape`).toEqual(ty.shape);
  expectClose(await oy.toArray(), await ty.data(), tol.rtol ?? 1e-4, tol.atol ?? 1e-5, `${name}: value`);
  oy.mul(tensor(u, oy.shape)).sum().backward();
  try {
    for (let i = 0; i < ox.length; i++) {
      expectClose(
        await ox[i].grad!.toArray(),
        await tg[i].data(),
        tol.grtol ?? 1e-3,
        tol.gatol ?? 1e-5,
        `${name}: grad of input ${i}`,
      );
    }
  } finally {
    tf.dispose([...tx, ty, tu, ...tg]);
    for (const t of ox) t.zeroGrad();
  }
}

describe('matmul vs tfjs', () => {
  it('2-D with odd shapes', () =>
    compare(
      'matmul',
      [
        [13, 7],
        [7, 9],
      ],
      (a, b) => a.matmul(b),
      (a, b) => tf.matMul(a, b),
    ));
  it('transposed operands', async () => {
    await compare(
      'matmul aT',
      [
        [7, 13],
        [7, 9],
      ],
      (a, b) => a.T.matmul(b),
      (a, b) => tf.matMul(a, b, true, false),
    );
    await compare(
      'matmul bT',
      [
        [13, 7],
        [9, 7],
      ],
      (a, b) => a.matmul(b.T),
      (a, b) => tf.matMul(a, b, false, true),
    );
  });
  it('batched, and batched with a broadcast 2-D operand', async () => {
    await compare(
      'bmm',
      [
        [3, 5, 6],
        [3, 6, 4],
      ],
      (a, b) => a.matmul(b),
      (a, b) => tf.matMul(a, b),
    );
    await compare(
      'bmm bT',
      [
        [2, 3, 5, 6],
        [2, 3, 4, 6],
      ],
      (a, b) => a.matmul(b.transpose(-1, -2)),
      (a, b) => tf.matMul(a, b, false, true),
    );
    await compare(
      'bmm broadcast',
      [
        [3, 5, 6],
        [6, 4],
      ],
      (a, b) => a.matmul(b),
      (a, b) => tf.matMul(a, tf.broadcastTo(b, [3, 6, 4])),
    );
  });
});

describe('softmax vs tfjs', () => {
  it('softmax and logSoftmax over the last axis', async () => {
    await compare(
      'softmax',
      [[6, 37]],
      (x) => T.softmax(x.mul(4)),
      (x) => tf.softmax(tf.mul(x, 4)),
    );
    await compare(
      'logSoftmax',
      [[6, 37]],
      (x) => T.logSoftmax(x.mul(4)),
      (x) => tf.logSoftmax(tf.mul(x, 4)),
    );
    await compare(
      'softmax 4-D',
      [[2, 3, 5, 8]],
      (x) => T.softmax(x),
      (x) => tf.softmax(x),
    );
  });
  it('softmax over a middle axis (tfjs: transpose to the end)', async () => {
    await compare(
      'softmax axis 1',
      [[4, 9, 3]],
      (x) => T.softmax(x, 1),
      (x) => tf.transpose(tf.softmax(tf.transpose(x, [0, 2, 1])), [0, 2, 1]),
    );
  });
  it('attention-style additive mask [B,1,1,T]', async () => {
    const m = Float32Array.from([0, 0, 0, -1e9, -1e9, 0, 0, 0, 0, 0]);
    await compare(
      'masked softmax',
      [[2, 3, 4, 5]],
      (x) => T.softmax(x, -1, tensor(m, [2, 1, 1, 5])),
      (x) => tf.softmax(tf.add(x, tf.tensor(m, [2, 1, 1, 5]))),
    );
  });
});

describe('reductions vs tfjs', () => {
  const shape = [3, 4, 5];
  for (const axes of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) {
    for (const keep of [false, true]) {
      it(`sum/mean/max over ${JSON.stringify(axes)}${keep ? ' keepdim' : ''}`, async () => {
        await compare(
          'sum',
          [shape],
          (x) => x.sum(axes, keep),
          (x) => tf.sum(x, axes, keep),
        );
        await compare(
          'mean',
          [shape],
          (x) => x.mean(axes, keep),
          (x) => tf.mean(x, axes, keep),
        );
        await compare(
          'max',
          [shape],
          (x) => x.max(axes, keep),
          (x) => tf.max(x, axes, keep),
        );
      });
    }
  }
});

describe('indexing and joins vs tfjs', () => {
  it('embedding / indexSelect vs tf.gather (repeated ids)', async () => {
    const list = [3, 0, 3, 9, 3, 5, 0];
    await compare(
      'embedding',
      [[10, 6]],
      (w) => T.embedding(tensor(Int32Array.from(list), [7]), w),
      (w) => tf.gather(w, tf.tensor1d(list, 'int32')),
    );
    await compare(
      'indexSelect axis 1',
      [[2, 10, 3]],
      (x) => T.indexSelect(x, 1, tensor(Int32Array.from(list))),
      (x) => tf.gather(x, tf.tensor1d(list, 'int32'), 1),
    );
  });
  it('concat and stack', async () => {
    await compare(
      'concat',
      [
        [2, 3],
        [2, 5],
      ],
      (a, b) => T.concat([a, b], 1),
      (a, b) => tf.concat([a, b], 1),
    );
    await compare(
      'stack',
      [
        [2, 3],
        [2, 3],
      ],
      (a, b) => T.stack([a, b], 1),
      (a, b) => tf.stack([a, b], 1),
    );
  });
  it('oneHot', async () => {
    const ids = [2, 0, 4, 1];
    const ours = await T.oneHot(tensor(Int32Array.from(ids)), 5).toArray();
    expect(Array.from(ours)).toEqual(Array.from(await tf.oneHot(tf.tensor1d(ids, 'int32'), 5).data()));
  });
});

describe('a 2-layer MLP with MSE loss vs tfjs (tf.variableGrads)', () => {
  const N = 16,
    I = 10,
    H = 32,
    O = 3;
  const erfGelu = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  for (const act of ['gelu', 'relu'] as const) {
    it(`linear -> ${act} -> linear -> mse`, async () => {
      const shapes = { x: [N, I], w1: [H, I], b1: [H], w2: [O, H], b2: [O], t: [N, O] };
      const data = Object.fromEntries(
        Object.entries(shapes).map(([k, s], i) => [k, randArray(numelOf(s), 200 + i, k.startsWith('w') ? 0.5 : 1)]),
      );
      const vars = Object.fromEntries(
        ['w1', 'b1', 'w2', 'b2'].map((k) => [k, tf.variable(tf.tensor(data[k], shapes[k as keyof typeof shapes]))]),
      );
      const tx = tf.tensor(data.x, shapes.x),
        tt = tf.tensor(data.t, shapes.t);
      const { value, grads } = tf.variableGrads(() => {
        const h = tf.add(tf.matMul(tx, vars.w1, false, true), vars.b1);
        const a = act === 'gelu' ? erfGelu(h) : tf.relu(h);
        const y = tf.add(tf.matMul(a, vars.w2, false, true), vars.b2);
        return tf.mean(tf.square(tf.sub(y, tt))) as tf.Scalar;
      });

      const p = Object.fromEntries(
        ['w1', 'b1', 'w2', 'b2'].map((k) => [k, tensor(data[k], shapes[k as keyof typeof shapes]).requireGrad()]),
      );
      const x = tensor(data.x, shapes.x),
        t = tensor(data.t, shapes.t);
      const h = T.linear(x, p.w1, p.b1);
      const y = T.linear(act === 'gelu' ? h.gelu() : h.relu(), p.w2, p.b2);
      const loss = y.sub(t).square().mean();
      expect(await loss.item()).toBeCloseTo((await value.array()) as number, 5);
      loss.backward();
      for (const k of ['w1', 'b1', 'w2', 'b2']) {
        expectClose(
          await p[k].grad!.toArray(),
          await grads[vars[k].name].data(),
          1e-3,
          1e-6,
          `MLP ${act}: grad of ${k}`,
        );
      }
      tf.dispose([tx, tt, value, ...Object.values(grads), ...Object.values(vars)]);
      for (const k in p) p[k].zeroGrad();
    });
  }
});
