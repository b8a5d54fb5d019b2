// The runtime that runs WGSL kernels: pipeline cache by shader key, bind-group cache, one uniform
// arena per batch (dynamic offsets), many dispatches per compute pass and per submit, buffer pool,
// batched async readback, and errors that name the kernel that was dispatched.
import { env } from './env.ts';
import { currentGpu, destroyGpu, getGpu, onDeviceLost, type Gpu } from './gpu.ts';
import { PassTimer, type PassTime } from './pass-timer.ts';
import { BufferPool, type PoolStats } from './pool.ts';

export type Access = 'read' | 'rw';

/** A kernel: WGSL generated once per key. Storage bindings are @binding(0..n-1) in `access` order;
 *  when `uniform` is set, a `var<uniform>` of at most 256 bytes sits at @binding(n). */
export interface Kernel {
  name: string;
  key: string;
  access: readonly Access[];
  uniform: boolean;
  code: () => string;
}

export type Workgroups = readonly [number, number?, number?];

export interface DispatchArgs {
  kernel: Kernel;
  buffers: readonly GPUBuffer[];
  params?: Params;
  workgroups: Workgroups;
}

const UNIFORM_SLOT = 256;
const TRACE = !!env('JEPA_TRACE');
const ARENA_SLOTS = 512;
const MAX_DISPATCHES_PER_SUBMIT = 512;

/** Little builder for a kernel's uniform struct (4-byte scalars, in declaration order). */
export class Params {
  readonly view = new DataView(new ArrayBuffer(UNIFORM_SLOT));
  private n = 0;
  u32(x: number): this {
    this.view.setUint32(this.n, x >>> 0, true);
    this.n += 4;
    return this;
  }
  i32(x: number): this {
    this.view.setInt32(this.n, x | 0, true);
    this.n += 4;
    return this;
  }
  f32(x: number): this {
    this.view.setFloat32(this.n, x, true);
    this.n += 4;
    return this;
  }
  get byteLength(): number {
    return this.n;
  }
}

export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */
const READBACK_USAGE = 0x1 /* MAP_READ */ | 0x8; /* COPY_DST */

export class Runtime {
  readonly device: GPUDevice;
  readonly storage: BufferPool;
  private readback: BufferPool;
  private pipelines = new Map<string, GPUComputePipeline>();
  private layouts = new Map<string, { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout }>();
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufIds = new WeakMap<GPUBuffer, number>();
  private nextBufId = 1;
  private arena: GPUBuffer;
  private arenaData = new Uint8Array(UNIFORM_SLOT * ARENA_SLOTS);
  private arenaUsed = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batchKernels: string[] = [];
  private recentBatches: string[][] = [];
  private errors: string[] = [];
  private lost: string | null = null;
  private compileChecks = new Set<Promise<void>>();
  private flushScheduled: Promise<void> | null = null;
  private destroyed = false;
  private timer: PassTimer | null = null;
  /** per-dispatch profile: each dispatch in its own timed pass */
  private profiling = false;
  /** Counters for tests and benchmarks. */
  readonly counters = { dispatches: 0, submits: 0, pipelinesCreated: 0, bindGroupsCreated: 0, reads: 0 };

  constructor(readonly gpu: Gpu) {
    this.device = gpu.device;
    const maxBinding = gpu.info.limits.maxStorageBufferBindingSize;
    this.storage = new BufferPool(this.device, STORAGE_USAGE, maxBinding, 'storage');
    this.readback = new BufferPool(this.device, READBACK_USAGE, gpu.info.limits.maxBufferSize, 'readback');
    this.arena = this.device.createBuffer({
      size: this.arenaData.byteLength,
      usage: 0x40 /* UNIFORM */ | 0x8 /* COPY_DST */,
      label: 'uniform-arena',
    });
    this.device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      const last = this.recentBatches.at(-1) ?? this.batchKernels;
      this.errors.push(
        `${e.constructor?.name ?? 'GPUError'}: ${e.message}\n  kernels in the batch: ${summarize(last)}`,
      );
    });
    onDeviceLost((reason) => {
      if (!this.destroyed) this.lost = `${reason}; last kernels: ${summarize(this.recentBatches.at(-1) ?? [])}`;
    });
  }

  /** False once shut down or lost. */
  get alive(): boolean {
    return !this.destroyed && !this.lost;
  }

  get limits(): Record<string, number> {
    return this.gpu.info.limits;
  }

  // ---- buffers -------------------------------------------------------------------------------

  /** A storage buffer of at least `bytes` from the pool. `what` names it in the limit error. */
  alloc(bytes: number, what?: string): GPUBuffer {
    this.checkAlive();
    return this.storage.acquire(bytes, what);
  }

  free(buf: GPUBuffer): void {
    this.storage.release(buf);
  }

  stats(): PoolStats {
    return this.storage.stats();
  }

  /** Release pooled buffers back to the driver. */
  trim(): void {
    this.flush();
    this.storage.trim((b) => this.forgetBuffer(b));
  }

  /** Write host data into a buffer. Pending dispatches are submitted first, keeping queue order. */
  write(buf: GPUBuffer, byteOffset: number, data: ArrayBufferView): void {
    this.checkAlive();
    this.flush();
    this.device.queue.writeBuffer(buf, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Zero a byte range inside the current batch (far cheaper than a fill shader on CPU drivers). */
  clear(buf: GPUBuffer, byteOffset = 0, bytes?: number): void {
    this.checkAlive();
    const enc = this.commandEncoder();
    this.endPass();
    enc.clearBuffer(buf, byteOffset, bytes);
    this.batchKernels.push('clear');
  }

  /** Copy between buffers inside the current batch. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.checkAlive();
    const enc = this.commandEncoder();
    this.endPass();
    enc.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.batchKernels.push('copy');
  }

  /** Read bytes back. Reads issued in the same tick share one submit. */
  async read(buf: GPUBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    this.checkAlive();
    const aligned = Math.ceil(bytes / 4) * 4;
    const staging = this.readback.acquire(aligned, 'readback');
    const enc = this.commandEncoder();
    this.endPass();
    enc.copyBufferToBuffer(buf, byteOffset, staging, 0, aligned);
    this.counters.reads++;
    await this.flushSoon(); // mapAsync is only valid once the copy has been submitted
    const t0 = TRACE ? performance.now() : 0;
    try {
      await staging.mapAsync(0x1 /* READ */, 0, aligned);
      if (TRACE) {
        const ms = performance.now() - t0;
        if (ms > 1000)
          console.warn(
            `[jepa trace] readback of ${bytes} B waited ${ms.toFixed(0)} ms; last kernels: ${summarize(this.recentBatches.at(-1) ?? [])}`,
          );
      }
    } catch (e) {
      await Promise.all(this.compileChecks);
      this.throwIfFailed();
      throw new GpuError(`readback failed: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange(0, aligned).slice(0, bytes);
    staging.unmap();
    this.readback.release(staging);
    await Promise.all(this.compileChecks);
    this.throwIfFailed();
    return out;
  }

  // ---- kernels -------------------------------------------------------------------------------

  private layoutFor(k: Kernel): { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout; key: string } {
    const key = k.access.map((a) => (a === 'read' ? 'r' : 'w')).join('') + (k.uniform ? 'u' : '');
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = k.access.map((a, i) => ({
        binding: i,
        visibility: 0x4 /* COMPUTE */,
        buffer: { type: a === 'read' ? 'read-only-storage' : 'storage' },
      }));
      if (k.uniform) {
        entries.push({
          binding: k.access.length,
          visibility: 0x4,
          buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: 0 },
        });
      }
      const bgl = this.device.createBindGroupLayout({ entries, label: `layout:${key}` });
      const pl = this.device.createPipelineLayout({ bindGroupLayouts: [bgl] });
      l = { bgl, pl };
      this.layouts.set(key, l);
    }
    return { ...l, key };
  }

  /** The compiled pipeline for a kernel, created once per key. */
  pipeline(k: Kernel): GPUComputePipeline {
    let p = this.pipelines.get(k.key);
    if (p) return p;
    const { pl } = this.layoutFor(k);
    const code = k.code();
    const t0 = TRACE ? performance.now() : 0;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code, label: k.name });
    p = this.device.createComputePipeline({ layout: pl, compute: { module, entryPoint: 'main' }, label: k.name });
    if (TRACE) console.warn(`[jepa trace] compiled ${k.key} in ${(performance.now() - t0).toFixed(0)} ms`);
    const check = this.device.popErrorScope().then((err) => {
      if (err) this.errors.push(`kernel "${k.name}" (key ${k.key}) failed to compile: ${err.message}`);
      this.compileChecks.delete(check);
    });
    this.compileChecks.add(check);
    this.pipelines.set(k.key, p);
    this.counters.pipelinesCreated++;
    return p;
  }

  private bufId(b: GPUBuffer): number {
    let id = this.bufIds.get(b);
    if (id === undefined) {
      id = this.nextBufId++;
      this.bufIds.set(b, id);
    }
    return id;
  }

  private forgetBuffer(b: GPUBuffer): void {
    const id = this.bufIds.get(b);
    if (id === undefined) return;
    const tag = `:${id}:`;
    for (const key of this.bindGroups.keys()) if (key.includes(tag)) this.bindGroups.delete(key);
  }

  private bindGroup(k: Kernel, buffers: readonly GPUBuffer[]): GPUBindGroup {
    const { bgl, key: lkey } = this.layoutFor(k);
    let key = `${lkey}:`;
    for (const b of buffers) key += `${this.bufId(b)}:`;
    let bg = this.bindGroups.get(key);
    if (!bg) {
      if (this.bindGroups.size > 20000) this.bindGroups.clear();
      const entries: GPUBindGroupEntry[] = buffers.map((b, i) => ({ binding: i, resource: { buffer: b } }));
      if (k.uniform) {
        entries.push({ binding: buffers.length, resource: { buffer: this.arena, offset: 0, size: UNIFORM_SLOT } });
      }
      bg = this.device.createBindGroup({ layout: bgl, entries, label: k.name });
      this.bindGroups.set(key, bg);
      this.counters.bindGroupsCreated++;
    }
    return bg;
  }

  /** Record one dispatch into the current batch. */
  dispatch({ kernel, buffers, params, workgroups }: DispatchArgs): void {
    this.checkAlive();
    if (buffers.length !== kernel.access.length) {
      throw new Error(`kernel "${kernel.name}": expected ${kernel.access.length} buffers, got ${buffers.length}`);
    }
    if (kernel.uniform && !params) throw new Error(`kernel "${kernel.name}": missing uniform params`);
    const [x, y = 1, z = 1] = workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const maxWg = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxWg || y > maxWg || z > maxWg) {
      throw new Error(
        `kernel "${kernel.name}": workgroups [${x},${y},${z}] exceed maxComputeWorkgroupsPerDimension ${maxWg}`,
      );
    }
    if (kernel.uniform && this.arenaUsed + UNIFORM_SLOT > this.arenaData.byteLength) this.flush();
    const pipeline = this.pipeline(kernel);
    const bg = this.bindGroup(kernel, buffers);
    const pass = this.computePass(kernel.name);
    pass.setPipeline(pipeline);
    if (kernel.uniform) {
      const off = this.arenaUsed;
      this.arenaData.set(new Uint8Array(params!.view.buffer, 0, params!.byteLength), off);
      this.arenaUsed += UNIFORM_SLOT;
      pass.setBindGroup(0, bg, [off]);
    } else {
      pass.setBindGroup(0, bg);
    }
    pass.dispatchWorkgroups(x, y, z);
    if (this.profiling) this.endPass();
    this.batchKernels.push(kernel.name);
    this.counters.dispatches++;
    if (this.batchKernels.length >= MAX_DISPATCHES_PER_SUBMIT) this.flush();
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(label: string): GPUComputePassEncoder {
    if (!this.pass) {
      const timestampWrites = this.timer?.nextWrites(this.profiling ? label : '');
      this.pass = this.commandEncoder().beginComputePass(timestampWrites ? { timestampWrites } : undefined);
    }
    return this.pass;
  }

  /**
   * Time every compute pass recorded from now on with timestamp queries. False (and no timing)
   * when the device lacks `timestamp-query`.
   */
  startTiming(): boolean {
    if (!this.gpu.hasTimestamps) return false;
    this.flush(); // passes already recorded are not part of the measurement
    this.timer = new PassTimer(this.device);
    return true;
  }

  /**
   * Like startTiming, but each dispatch gets its own pass, labelled with its kernel's name (a
   * profile: the passes' barriers make the total a little larger than startTiming's).
   */
  startProfile(): boolean {
    if (!this.startTiming()) return false;
    this.profiling = true;
    return true;
  }

  /** Each dispatch's GPU ms since startProfile(), in order; null if profiling was off or overflowed. */
  async stopProfile(): Promise<PassTime[] | null> {
    const t = this.timer;
    if (!t || !this.profiling) return null;
    this.flush();
    this.timer = null;
    this.profiling = false;
    return t.readPasses();
  }

  /** GPU ms of the passes since startTiming() (waits for them); null if timing was off or overflowed. */
  async stopTiming(): Promise<number | null> {
    const t = this.timer;
    if (!t) return null;
    this.flush();
    this.timer = null;
    this.profiling = false;
    return t.read();
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submit at the end of this tick, so that reads issued together share one submit. */
  private flushSoon(): Promise<void> {
    this.flushScheduled ??= new Promise<void>((resolve, reject) => {
      queueMicrotask(() => {
        this.flushScheduled = null;
        try {
          this.flush();
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
    return this.flushScheduled;
  }

  /** Submit everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaData.buffer, 0, this.arenaUsed);
      this.arenaUsed = 0;
    }
    const cb = this.encoder.finish();
    this.encoder = null;
    this.device.queue.submit([cb]);
    this.counters.submits++;
    this.recentBatches.push(this.batchKernels);
    if (this.recentBatches.length > 4) this.recentBatches.shift();
    this.batchKernels = [];
    // Errors surface at the next read()/sync(), once pending shader-compile checks have reported
    // the real cause (the uncaptured error alone says only "invalid pipeline").
  }

  /** Submit and wait until the GPU has finished everything. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await Promise.all(this.compileChecks);
    this.throwIfFailed();
  }

  private checkAlive(): void {
    if (this.destroyed) throw new GpuError('the GPU runtime was shut down (shutdown() was called)');
    if (this.lost) throw new GpuError(`the GPU device was lost: ${this.lost}`);
  }

  /** Throw the first uncaptured GPU error, naming the kernels of the batch that raised it. */
  throwIfFailed(): void {
    if (this.errors.length) {
      const msg = this.errors.join('\n');
      this.errors = [];
      throw new GpuError(msg);
    }
    this.checkAlive();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      this.flush();
    } finally {
      this.destroyed = true;
      this.pipelines.clear();
      this.bindGroups.clear();
      this.layouts.clear();
      await destroyGpu();
    }
  }
}

function summarize(names: string[]): string {
  if (names.length === 0) return '(none)';
  const uniq = [...new Set(names)];
  return uniq.length > 12 ? `${uniq.slice(-12).join(', ')} (+${uniq.length - 12} more)` : uniq.join(', ');
}

let rt: Runtime | null = null;
let rtPending: Promise<Runtime> | null = null;

/** Initialise (once) and return the process-wide runtime. */
export async function init(): Promise<Runtime> {
  if (rt) return rt;
  rtPending ??= getGpu().then((g) => (rt = new Runtime(g)));
  try {
    return await rtPending;
  } finally {
    rtPending = null;
  }
}

/** The runtime, for synchronous code paths; throws if init() was not awaited. */
export function runtime(): Runtime {
  if (!rt) {
    throw new GpuError(
      'the GPU runtime is not initialised: call `await init()` (from @jepa/kernels or @jepa/tensor) first',
    );
  }
  return rt;
}

export function hasRuntime(): boolean {
  return rt !== null && currentGpu() !== null;
}

/** Tear down the device so the process can exit by itself. Safe to call twice. */
export async function shutdown(): Promise<void> {
  const r = rt;
  rt = null;
  if (r) await r.destroy();
  else await destroyGpu();
}
