// Buffer pool by size class: freed buffers are kept and handed out again, so a training loop
// allocates nothing from the driver after its first step.

const MIN_BYTES = 256;

/** Size classes at 2^(k/4): at most ~19% slack, few distinct classes. */
export function sizeClass(bytes: number): number {
  const b = Math.max(MIN_BYTES, Math.ceil(bytes));
  const e = Math.ceil(Math.log2(b) * 4) / 4;
  let c = Math.ceil(2 ** e);
  c = Math.ceil(c / 256) * 256; // keep every binding offset-aligned
  return Math.max(c, b);
}

export interface PoolStats {
  liveBuffers: number;
  liveBytes: number;
  pooledBuffers: number;
  pooledBytes: number;
  created: number;
}

/** A buffer larger than the device allows: callers that know which option sized it (a batch size) can
 *  name that option and scale `bytes` to what fits. */
export class BufferLimitError extends RangeError {
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${what}: ${bytes} bytes exceeds the device limit maxStorageBufferBindingSize = ${limit} bytes`);
    this.name = 'BufferLimitError';
  }
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private sizeOf = new WeakMap<GPUBuffer, number>();
  private live = 0;
  private liveBytes = 0;
  private pooledBytes = 0;
  private pooledCount = 0;
  private created = 0;

  constructor(
    private device: GPUDevice,
    private usage: number,
    private maxBytes: number,
    private label: string,
  ) {}

  acquire(bytes: number, what = 'buffer'): GPUBuffer {
    if (bytes > this.maxBytes) {
      throw new BufferLimitError(what, bytes, this.maxBytes);
    }
    let cls = sizeClass(bytes);
    if (cls > this.maxBytes) cls = Math.ceil(bytes / 4) * 4;
    const list = this.free.get(cls);
    let buf = list?.pop();
    if (buf) {
      this.pooledBytes -= cls;
      this.pooledCount--;
    } else {
      buf = this.device.createBuffer({ size: cls, usage: this.usage, label: `${this.label}:${cls}` });
      this.sizeOf.set(buf, cls);
      this.created++;
    }
    this.live++;
    this.liveBytes += cls;
    return buf;
  }

  release(buf: GPUBuffer): void {
    const cls = this.sizeOf.get(buf);
    if (cls === undefined) throw new Error(`BufferPool(${this.label}): released a buffer it does not own`);
    this.live--;
    this.liveBytes -= cls;
    let list = this.free.get(cls);
    if (!list) {
      list = [];
      this.free.set(cls, list);
    }
    list.push(buf);
    this.pooledBytes += cls;
    this.pooledCount++;
  }

  /** Destroy every pooled (unused) buffer; returns the buffers destroyed. */
  trim(onDestroy?: (b: GPUBuffer) => void): GPUBuffer[] {
    const out: GPUBuffer[] = [];
    for (const list of this.free.values()) for (const b of list) out.push(b);
    this.free.clear();
    for (const b of out) {
      onDestroy?.(b);
      b.destroy();
    }
    this.pooledBytes = 0;
    this.pooledCount = 0;
    return out;
  }

  capacityOf(buf: GPUBuffer): number {
    return this.sizeOf.get(buf) ?? buf.size;
  }

  stats(): PoolStats {
    return {
      liveBuffers: this.live,
      liveBytes: this.liveBytes,
      pooledBuffers: this.pooledCount,
      pooledBytes: this.pooledBytes,
      created: this.created,
    };
  }
}
