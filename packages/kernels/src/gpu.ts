// One WebGPU device per process (or page), obtained lazily: from navigator.gpu where there is one
// (a browser), else from Dawn's node bindings, loaded only then (#dawn: see package.json).
// dawn.node keeps Node alive while its instance is reachable, so shutdown() drops every reference.
import { env } from './env.ts';

export interface GpuInfo {
  adapter: string; // e.g. "llvmpipe (LLVM 19.1.7, 256 bits)", or "google swiftshader" in Chromium
  vendor: string;
  architecture: string;
  backend: string;
  features: string[];
  limits: Record<string, number>;
  /** A CPU rasterizer (llvmpipe/lavapipe, SwiftShader, softpipe): invocations are SIMD lanes of a
   *  CPU thread, barriers are expensive, and every op picks its barrier-free variant. */
  isCpu: boolean;
  /** Subgroup size when subgroups are enabled and of one fixed size (llvmpipe: 8 on AVX2), else null. */
  subgroupSize: number | null;
}

export interface Gpu {
  device: GPUDevice;
  info: GpuInfo;
  hasF16: boolean;
  hasSubgroups: boolean;
  hasTimestamps: boolean;
}

const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

const WANTED_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

let instance: GPU | null = null;
let pending: Promise<Gpu> | null = null;
let current: Gpu | null = null;
const lostListeners: ((reason: string) => void)[] = [];

export const SETUP_COMMAND = 'bash scripts/setup.sh';

export class NoAdapterError extends Error {
  constructor(tried: string) {
    super(
      `No WebGPU adapter found (tried: ${tried}). On a machine without a GPU, Dawn needs a Vulkan ` +
        `driver such as Mesa's lavapipe >= 23 (Debian 12: mesa-vulkan-drivers from bookworm-backports). ` +
        `Fix: in this repository's checkout, ${SETUP_COMMAND}; elsewhere (Debian 12) ` +
        `apt-get install -t bookworm-backports mesa-vulkan-drivers, and set XDG_RUNTIME_DIR.`,
    );
    this.name = 'NoAdapterError';
  }
}

function dawnFlags(): string[] {
  const flags: string[] = [];
  const backend = env('JEPA_WEBGPU_BACKEND');
  const adapter = env('JEPA_WEBGPU_ADAPTER');
  if (backend) flags.push(`backend=${backend}`);
  if (adapter) flags.push(`adapter=${adapter}`);
  return flags;
}

function describeTried(): string {
  if (browserGpu()) return 'navigator.gpu';
  const b = env('JEPA_WEBGPU_BACKEND') ?? 'default backend';
  const a = env('JEPA_WEBGPU_ADAPTER') ?? 'any adapter';
  return `${b}, ${a}`;
}

function browserGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

async function entryPoint(): Promise<GPU> {
  return browserGpu() ?? (await import('#dawn')).dawnGpu(dawnFlags());
}

async function acquire(): Promise<Gpu> {
  instance = await entryPoint();
  const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    instance = null;
    throw new NoAdapterError(describeTried());
  }
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const ai = adapter.info;
  const limits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) limits[k] = (device.limits as unknown as Record<string, number>)[k];
  limits.minUniformBufferOffsetAlignment = device.limits.minUniformBufferOffsetAlignment;
  limits.minStorageBufferOffsetAlignment = device.limits.minStorageBufferOffsetAlignment;
  // Chromium leaves description and device empty; vendor + architecture still name SwiftShader.
  const name = ai.description || ai.device || [ai.vendor, ai.architecture].filter(Boolean).join(' ') || 'unknown';
  const info: GpuInfo = {
    adapter: name,
    vendor: ai.vendor,
    architecture: ai.architecture,
    backend:
      (ai as unknown as { backendType?: string }).backendType ??
      env('JEPA_WEBGPU_BACKEND') ??
      (browserGpu() ? 'browser' : 'default'),
    features: [...device.features].map(String).sort(),
    limits,
    isCpu: /llvmpipe|lavapipe|swiftshader|softpipe/i.test(name),
    subgroupSize:
      device.features.has('subgroups') && ai.subgroupMinSize === ai.subgroupMaxSize
        ? (ai.subgroupMinSize ?? null)
        : null,
  };
  device.lost.then((l) => {
    if (current?.device === device) current = null;
    for (const f of lostListeners) f(`${l.reason}: ${l.message}`);
  });
  current = {
    device,
    info,
    hasF16: device.features.has('shader-f16'),
    hasSubgroups: device.features.has('subgroups'),
    hasTimestamps: device.features.has('timestamp-query'),
  };
  return current;
}

/** The process's device; created on first call. */
export function getGpu(): Promise<Gpu> {
  if (current) return Promise.resolve(current);
  if (!pending) {
    pending = acquire().finally(() => {
      pending = null;
    });
  }
  return pending;
}

/** The device if it was already obtained (synchronous ops need this). */
export function currentGpu(): Gpu | null {
  return current;
}

export function onDeviceLost(f: (reason: string) => void): void {
  lostListeners.push(f);
}

/** Destroy the device and drop the Dawn instance so the process can exit. */
export async function destroyGpu(): Promise<void> {
  if (pending) await pending.catch(() => undefined);
  const g = current;
  current = null;
  if (g) {
    await g.device.queue.onSubmittedWorkDone().catch(() => undefined);
    g.device.destroy();
  }
  instance = null;
}
