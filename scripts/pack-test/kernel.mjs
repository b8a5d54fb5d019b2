// @jepa/kernels on its own, in plain JavaScript: the runtime dispatches a user-written WGSL kernel
// (a plain object, as the library's own) over a buffer the library's fill kernel wrote.
import { Params, fill, grid, gridMain, init, shutdown } from '@jepa/kernels';

const rt = await init();
const n = 1000;
const buf = rt.alloc(n * 4, 'x');
fill(buf, n, 'f32', 1, 0.5); // x[i] = 1 + 0.5 i
const square = {
  name: 'square',
  key: 'square',
  access: ['rw'],
  uniform: true,
  code: () => `
struct P { n: u32 };
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<uniform> p: P;
${gridMain()}
  if (idx >= p.n) { return; }
  x[idx] = x[idx] * x[idx];
}`,
};
rt.dispatch({ kernel: square, buffers: [buf], params: new Params().u32(n), workgroups: grid(n) });
const x = new Float32Array(await rt.read(buf, 0, n * 4));
console.log(`adapter ${rt.gpu.info.adapter}`);
console.log(`x[0] ${x[0]} x[999] ${x[999]}`);
rt.free(buf);
await shutdown();
