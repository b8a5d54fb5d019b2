// Counter-based random numbers (Philox4x32-10): value i of a stream depends only on (seed, offset + i),
// so any kernel can regenerate the same numbers (dropout masks in backward) without storing them.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { gridKernel, grid } from './common.ts';

/** WGSL: philox(counter, key) -> 4 uniform u32; `uniform01(c, k)` the first as a float in [0,1). */
export const PHILOX_WGSL = `
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  // 32x32 -> 64-bit product from 16-bit halves (WGSL has no mulhi).
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}
fn philox(ctr_in: vec4<u32>, key_in: vec2<u32>) -> vec4<u32> {
  var c = ctr_in; var k = key_in;
  for (var r = 0u; r < 10u; r++) {
    let m0 = mulhilo(0xD2511F53u, c.x);
    let m1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4<u32>(m1.x ^ c.y ^ k.x, m1.y, m0.x ^ c.w ^ k.y, m0.y);
    k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}
fn u01(x: u32) -> f32 { return f32(x >> 8u) * (1.0 / 16777216.0); }
fn rand_at(seed: vec2<u32>, i: u32, stream: u32) -> vec4<u32> { return philox(vec4<u32>(i, stream, 0u, 0u), seed); }
`;

export type RandomDist = 'uniform' | 'normal' | 'bernoulli';

function kernelFor(dist: RandomDist): Kernel {
  const value: Record<RandomDist, string> = {
    uniform: 'p.a + (p.b - p.a) * u01(r.x)',
    // Box-Muller; 1 - u keeps log's argument in (0, 1].
    normal: 'p.a + p.b * sqrt(-2.0 * log(1.0 - u01(r.x))) * cos(6.283185307179586 * u01(r.y))',
    bernoulli: 'select(0.0, 1.0, u01(r.x) < p.a)',
  };
  return gridKernel({
    name: `random_${dist}`,
    key: `random|${dist}`,
    bindings: [['out', 'f32', 'rw']],
    params: 'n: u32, seedLo: u32, seedHi: u32, offset: u32, stream: u32, a: f32, b: f32',
    count: 'p.n',
    prelude: PHILOX_WGSL,
    body: () => `  let r = rand_at(vec2<u32>(p.seedLo, p.seedHi), p.offset + idx, p.stream);
  out[idx] = ${value[dist]};`,
  });
}

export interface RandomArgs {
  out: GPUBuffer;
  n: number;
  dist: RandomDist;
  seed: number;
  /** Counter offset in the stream: consecutive calls advance it by n. */
  offset: number;
  stream?: number;
  /** uniform: [lo, hi); normal: [mean, std]; bernoulli: [p]. */
  a: number;
  b?: number;
}

export function random(r: RandomArgs): void {
  const p = new Params()
    .u32(r.n)
    .u32(r.seed >>> 0)
    .u32(Math.floor(r.seed / 2 ** 32) >>> 0)
    .u32(r.offset >>> 0)
    .u32(r.stream ?? 0)
    .f32(r.a)
    .f32(r.b ?? 0);
  runtime().dispatch({ kernel: kernelFor(r.dist), buffers: [r.out], params: p, workgroups: grid(r.n) });
}

/** CPU twin of the WGSL generator (tests check the GPU stream against it bit for bit). */
export function philoxCpu(
  ctr: [number, number, number, number],
  key: [number, number],
): [number, number, number, number] {
  let c = ctr.map((x) => x >>> 0) as [number, number, number, number];
  let k = key.map((x) => x >>> 0) as [number, number];
  const mulhilo = (a: number, b: number): [number, number] => {
    const prod = BigInt(a >>> 0) * BigInt(b >>> 0);
    return [Number(prod >> 32n) >>> 0, Number(prod & 0xffffffffn) >>> 0];
  };
  for (let r = 0; r < 10; r++) {
    const [h0, l0] = mulhilo(0xd2511f53, c[0]);
    const [h1, l1] = mulhilo(0xcd9e8d57, c[2]);
    c = [(h1 ^ c[1] ^ k[0]) >>> 0, l1, (h0 ^ c[3] ^ k[1]) >>> 0, l0];
    k = [(k[0] + 0x9e3779b9) >>> 0, (k[1] + 0xbb67ae85) >>> 0];
  }
  return c;
}
