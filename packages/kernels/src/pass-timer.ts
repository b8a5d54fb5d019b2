// GPU time of compute passes from timestamp queries (the `timestamp-query` feature): each pass
// writes a timestamp at its start and end; the total is the sum of (end - start) over passes, so
// host gaps between submits are left out. Used by `pnpm bench` beside the wall-clock median, and,
// with one pass per dispatch, by the per-kernel profile (`pnpm bench:profile`).
const PASSES_PER_SET = 2048; // a query set holds at most 4096 queries
const MAX_SETS = 16;

export interface PassTime {
  /** the kernel dispatched (per-dispatch profiles), else '' */
  label: string;
  ms: number;
}

export class PassTimer {
  private readonly sets: GPUQuerySet[] = [];
  private readonly labels: string[] = [];
  private overflow = false;

  constructor(private readonly device: GPUDevice) {}

  /** The descriptor field for the next pass, or undefined once the query sets are full. */
  nextWrites(label = ''): GPUComputePassTimestampWrites | undefined {
    const i = this.labels.length;
    const s = Math.floor(i / PASSES_PER_SET);
    if (s >= MAX_SETS) {
      this.overflow = true;
      return undefined;
    }
    if (s === this.sets.length)
      this.sets.push(this.device.createQuerySet({ type: 'timestamp', count: 2 * PASSES_PER_SET, label: 'pass timer' }));
    this.labels.push(label);
    const j = i % PASSES_PER_SET;
    return { querySet: this.sets[s], beginningOfPassWriteIndex: 2 * j, endOfPassWriteIndex: 2 * j + 1 };
  }

  /** Total pass time in ms (null when more passes ran than the sets hold); frees the queries. */
  async read(): Promise<number | null> {
    const passes = await this.readPasses();
    return passes?.reduce((a, p) => a + p.ms, 0) ?? null;
  }

  /** Each pass's time in order (null on overflow); frees the queries. */
  async readPasses(): Promise<PassTime[] | null> {
    try {
      if (this.overflow) return null;
      const n = this.labels.length;
      if (n === 0) return [];
      const bytes = 16 * n;
      const resolve = this.device.createBuffer({ size: bytes, usage: 0x200 /* QUERY_RESOLVE */ | 0x4 /* COPY_SRC */ });
      const read = this.device.createBuffer({ size: bytes, usage: 0x1 /* MAP_READ */ | 0x8 /* COPY_DST */ });
      const enc = this.device.createCommandEncoder();
      this.sets.forEach((q, s) => {
        const count = Math.min(PASSES_PER_SET, n - s * PASSES_PER_SET);
        enc.resolveQuerySet(q, 0, 2 * count, resolve, 16 * s * PASSES_PER_SET);
      });
      enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
      this.device.queue.submit([enc.finish()]);
      await read.mapAsync(1 /* READ */);
      const t = new BigUint64Array(read.getMappedRange().slice(0));
      read.unmap();
      resolve.destroy();
      read.destroy();
      return this.labels.map((label, i) => ({
        label,
        ms: t[2 * i + 1] > t[2 * i] ? Number(t[2 * i + 1] - t[2 * i]) / 1e6 : 0,
      }));
    } finally {
      for (const q of this.sets) q.destroy();
    }
  }
}
