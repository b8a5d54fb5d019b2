// Exit 0 and print the adapter when Dawn finds one; exit 1 otherwise.
import { create, globals } from 'webgpu';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
Object.assign(globalThis, globals);
const flags = [];
if (process.env.JEPA_WEBGPU_BACKEND) flags.push(`backend=${process.env.JEPA_WEBGPU_BACKEND}`);
if (process.env.JEPA_WEBGPU_ADAPTER) flags.push(`adapter=${process.env.JEPA_WEBGPU_ADAPTER}`);
let gpu = create(flags);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error('no WebGPU adapter');
  process.exit(1);
}
const info = adapter.info;
console.log(`${info.description || info.device || 'adapter'} (${info.vendor || 'unknown vendor'})`);
gpu = null;
process.exit(0);
