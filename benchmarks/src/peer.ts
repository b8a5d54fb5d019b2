// The peer: @tensorflow/tfjs-backend-webgpu 4.22.0 on the same Dawn adapter, in this process.
// By default it runs on *our* GPUDevice (WebGPUBackend takes a device), so both stacks share the
// adapter, the device and the queue; `own` gives tfjs its own Dawn instance through
// globalThis.navigator.gpu, which is how tfjs finds WebGPU by itself (it only checks that
// `navigator.gpu` exists before registering its backend).
import { create } from 'webgpu';

// tfjs-core / tfjs-backend-webgpu resolve to their CommonJS builds under Node (and in the bundle).
type TF = typeof import('@tensorflow/tfjs-core');
export type Tf = TF;
export type TfTensor = import('@tensorflow/tfjs-core').Tensor;

export const PEER_NAME = 'tfjs-backend-webgpu@4.22.0';

export interface Peer {
  tf: TF;
  /** the device tfjs dispatches on */
  device: GPUDevice;
  /** submit what tfjs batched and wait until the device is idle (no readback) */
  finish(): Promise<void>;
  dispose(): Promise<void>;
}

interface TfBackendInternals {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

function setNavigator(gpu: unknown): () => void {
  const g = globalThis as Record<string, unknown>;
  const prev = Object.getOwnPropertyDescriptor(g, 'navigator');
  Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return () => {
    if (prev) Object.defineProperty(g, 'navigator', prev);
    else delete g.navigator;
  };
}

export async function setupPeer(ourDevice: GPUDevice, mode: 'shared' | 'own' = 'shared'): Promise<Peer> {
  const tf: TF = await import('@tensorflow/tfjs-core');
  const wgpu = await import('@tensorflow/tfjs-backend-webgpu');
  // Silence tfjs's "install tfjs-node" hint and its platform probing noise.
  tf.env().set('IS_TEST', true);
  // tfjs's kernels are registered for the backend name 'webgpu', so ours takes that name.
  const name = 'webgpu';
  let restore: () => void;
  if (mode === 'shared') {
    // WebGPUBackend's constructor only checks that navigator.gpu exists; the device is ours.
    restore = setNavigator({});
    const info = (ourDevice as unknown as { adapterInfo?: unknown }).adapterInfo;
    if (tf.findBackendFactory(name)) tf.removeBackend(name);
    tf.registerBackend(name, () => new wgpu.WebGPUBackend(ourDevice, info as never), 100);
  } else {
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    restore = setNavigator(create([]));
    if (!tf.findBackendFactory(name)) {
      // The backend registers itself at import time only if navigator.gpu was already there.
      tf.registerBackend(
        name,
        async () => {
          const adapter = await (globalThis as unknown as { navigator: { gpu: GPU } }).navigator.gpu.requestAdapter();
          if (!adapter) throw new Error('tfjs: no WebGPU adapter');
          return new wgpu.WebGPUBackend(await adapter.requestDevice(), adapter.info as never);
        },
        100,
      );
    }
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs: backend ${name} failed to initialise`);
  await tf.ready();
  const be = tf.backend() as unknown as TfBackendInternals;
  const device = be.device;
  return {
    tf,
    device,
    async finish() {
      if (be.commandEncoder) {
        be.endComputePassEncoder();
        be.submitQueue();
      }
      await device.queue.onSubmittedWorkDone();
    },
    async dispose() {
      tf.disposeVariables();
      tf.engine().reset(); // disposes every tensor and the backends
      if (mode === 'own') device.destroy();
      tf.removeBackend(name);
      restore();
    },
  };
}
