// Browser stand-in for dawn.ts: the page's navigator.gpu is the only WebGPU there is.
export function dawnGpu(_flags: string[]): GPU {
  throw new Error(
    'WebGPU: navigator.gpu is missing (a browser with WebGPU enabled is needed; Chromium: --enable-unsafe-webgpu where it is off)',
  );
}
