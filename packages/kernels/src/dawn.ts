// Node only: a WebGPU entry point from Dawn's node bindings (npm `webgpu`, which loads dawn.node).
// Reached through the package's `#dawn` import, which a browser build maps to dawn.browser.ts.
import { create, globals } from 'webgpu';

export function dawnGpu(flags: string[]): GPU {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  // Dawn's GPUBufferUsage, GPUMapMode, … as globals, as a browser has them.
  Object.assign(globalThis, globals);
  return create(flags);
}
