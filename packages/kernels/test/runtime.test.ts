import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  elementwise,
  fill,
  init,
  matmul,
  philoxCpu,
  random,
  reduce,
  runtime,
  shutdown,
  sizeClass,
} from '../src/index.ts';

beforeAll(async () => {
  await init();
});
afterAll(shutdown);

async function readF32(buf: GPUBuffer, n: number): Promise<Float32Array> {
  return new Float32Array(await runtime().read(buf, 0, n * 4));
}
function upload(data: Float32Array): GPUBuffer {
  const b = runtime().alloc(data.byteLength);
  runtime().write(b, 0, data);
  return b;
}

describe('runtime', () => {
  it('reports the adapter and the limits it asked for', () => {
    const rt = runtime();
    expect(rt.gpu.info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(rt.gpu.info.features).toContain('timestamp-query');
  });

  it('times compute passes with timestamp queries: more work, more GPU time', async () => {
    const rt = runtime();
    expect(await rt.stopTiming()).toBeNull(); // not started
    const n = 1 << 20;
    const x = upload(new Float32Array(n).fill(1));
    const out = rt.alloc(n * 4);
    const op = () =>
      elementwise({
        name: 'exp',
        expr: 'exp(a)',
        inputs: [{ buffer: x, dtype: 'f32', strides: [1], offset: 0 }],
        out,
        outDtype: 'f32',
        shape: [n],
      });
    const time = async (k: number) => {
      expect(rt.startTiming()).toBe(true);
      for (let i = 0; i < k; i++) op();
      return (await rt.stopTiming())!;
    };
    await time(1); // compile outside the measurement
    const one = await time(1),
      twenty = await time(20);
    expect(one).toBeGreaterThan(0);
    expect(twenty).toBeGreaterThan(one);
    rt.free(x);
    rt.free(out);
  });

  it('profiles each dispatch in its own pass, labelled with its kernel, past one query set', async () => {
    const rt = runtime();
    const n = 1 << 12;
    const x = upload(new Float32Array(n).fill(1));
    const out = rt.alloc(n * 4);
    const ew = (name: string, expr: string) =>
      elementwise({
        name,
        expr,
        inputs: [{ buffer: x, dtype: 'f32', strides: [1], offset: 0 }],
        out,
        outDtype: 'f32',
        shape: [n],
      });
    ew('exp', 'exp(a)');
    ew('neg', '-a');
    expect(rt.startProfile()).toBe(true);
    // 2100 dispatches: more passes than one query set holds (2048).
    for (let i = 0; i < 1050; i++) {
      ew('exp', 'exp(a)');
      ew('neg', '-a');
    }
    const passes = (await rt.stopProfile())!;
    expect(passes).toHaveLength(2100);
    expect(passes[0].label).toMatch(/exp/);
    expect(passes[2099].label).toMatch(/neg/);
    expect(passes.every((p) => p.ms >= 0)).toBe(true);
    expect(passes.reduce((a, p) => a + p.ms, 0)).toBeGreaterThan(0);
    expect(await rt.stopProfile()).toBeNull(); // not started
    rt.free(x);
    rt.free(out);
  });

  it('size classes cover the request with bounded slack', () => {
    for (const n of [1, 255, 256, 257, 1000, 4096, 1e6 + 3, 5e7]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 256).toBe(0);
      expect(c).toBeLessThanOrEqual(Math.max(256, n * 1.2 + 256));
    }
  });

  it('reuses pooled buffers and cached pipelines', async () => {
    const rt = runtime();
    const before = { ...rt.counters };
    const b1 = rt.alloc(4000);
    rt.free(b1);
    const b2 = rt.alloc(3900);
    expect(b2).toBe(b1);
    for (let i = 0; i < 3; i++) fill(b2, 1000, 'f32', i);
    const out = await readF32(b2, 1000);
    expect(out[999]).toBe(2);
    expect(rt.counters.pipelinesCreated - before.pipelinesCreated).toBeLessThanOrEqual(1);
    expect(rt.counters.submits - before.submits).toBe(1);
    rt.free(b2);
  });

  it('elementwise broadcast over strided inputs matches the CPU', async () => {
    const a = Float32Array.from({ length: 6 }, (_, i) => i); // [2,3]
    const b = Float32Array.from([10, 20]); // [2,1] broadcast over columns
    const ab = upload(a),
      bb = upload(b);
    const out = runtime().alloc(6 * 4);
    // out[i,j] = a[j,i]^T? use a transposed view of a (3,2) -> shape [3,2] strides [1,3]
    elementwise({
      name: 'add',
      expr: 'a + b',
      outDtype: 'f32',
      out,
      shape: [3, 2],
      inputs: [
        { buffer: ab, dtype: 'f32', strides: [1, 3], offset: 0 },
        { buffer: bb, dtype: 'f32', strides: [0, 1], offset: 0 },
      ],
    });
    expect([...(await readF32(out, 6))]).toEqual([10, 23, 11, 24, 12, 25]);
  });

  it('reduces the middle axis', async () => {
    const A = 3,
      R = 1500,
      B = 2;
    const x = Float32Array.from({ length: A * R * B }, (_, i) => Math.sin(i));
    const xb = upload(x);
    const out = runtime().alloc(A * B * 4);
    reduce({ op: 'sum', x: xb, out, A, R, B });
    const got = await readF32(out, A * B);
    for (let a = 0; a < A; a++)
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let r = 0; r < R; r++) s += x[a * R * B + r * B + b];
        expect(got[a * B + b]).toBeCloseTo(s, 3);
      }
    const out1 = runtime().alloc(4);
    reduce({ op: 'max', x: xb, out: out1, A: 1, R: A * R * B, B: 1 });
    expect((await readF32(out1, 1))[0]).toBe(Math.max(...x));
  });

  it('matmul with a transposed operand matches the CPU', async () => {
    const M = 5,
      K = 7,
      N = 9;
    const a = Float32Array.from({ length: M * K }, () => Math.random() - 0.5);
    const bt = Float32Array.from({ length: N * K }, () => Math.random() - 0.5); // B stored as [N,K]
    const out = runtime().alloc(M * N * 4);
    matmul({ a: upload(a), b: upload(bt), out, batch: 1, M, N, K, aStrides: [0, K, 1], bStrides: [0, 1, K] });
    const got = await readF32(out, M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[i * K + k] * bt[j * K + k];
        expect(got[i * N + j]).toBeCloseTo(s, 5);
      }
  });

  it('philox stream matches its CPU twin', async () => {
    const n = 64;
    const out = runtime().alloc(n * 4);
    random({ out, n, dist: 'uniform', seed: 1234, offset: 10, a: 0, b: 1 });
    const got = await readF32(out, n);
    for (let i = 0; i < n; i++) {
      const r = philoxCpu([10 + i, 0, 0, 0], [1234, 0]);
      expect(got[i]).toBe(Math.fround((r[0] >>> 8) / 16777216));
    }
  });

  it('a shader error names the kernel', async () => {
    const rt = runtime();
    const out = rt.alloc(16);
    rt.dispatch({
      kernel: { name: 'broken_kernel', key: 'broken', access: ['rw'], uniform: false, code: () => 'this is not wgsl' },
      buffers: [out],
      workgroups: [1],
    });
    await expect(rt.sync()).rejects.toThrow(/broken_kernel/);
  });
});
