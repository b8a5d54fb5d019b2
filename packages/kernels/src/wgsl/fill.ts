// Constant fill and arange.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { gridKernel, grid, type WgslType } from './common.ts';

function fillKernel(dtype: WgslType): Kernel {
  return gridKernel({
    name: `fill_${dtype}`,
    key: `fill|${dtype}`,
    bindings: [['out', dtype, 'rw']],
    params: 'n: u32, start: f32, step: f32',
    count: 'p.n',
    body: () => `  out[idx] = ${dtype}(p.start + p.step * f32(idx));`,
  });
}

/** out[i] = start + step * i (step 0: a constant fill). */
export function fill(out: GPUBuffer, n: number, dtype: WgslType, start: number, step = 0): void {
  if (n === 0) return;
  if (start === 0 && step === 0) {
    runtime().clear(out, 0, Math.ceil((n * 4) / 4) * 4);
    return;
  }
  runtime().dispatch({
    kernel: fillKernel(dtype),
    buffers: [out],
    params: new Params().u32(n).f32(start).f32(step),
    workgroups: grid(n),
  });
}
