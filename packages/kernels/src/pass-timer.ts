// GPU time of compute passes from timestamp queries (the `timestamp-query` feature): each pass
// writes a timestamp at its start and end; the total is the sum of (end - start) over passes, so
// host gaps between submits are left out. Used by `pnpm bench` beside the wall-clock median.
const MAX_PASSES = 512;

export class PassTimer {
  private readonly querySet: GPUQuerySet;
  private passes = 0;
  private overflow = false;

  constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * MAX_PASSES, label: 'pass timer' });
  }

  /** The descriptor field for the next pass, or undefined once the query set is full. */
  nextWrites(): GPUComputePassTimestampWrites | undefined {
    if (this.passes >= MAX_PASSES) {
      this.overflow = true;
      return undefined;
    }
    const i = this.passes++;
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Total pass time in ms (null when more passes ran than the set holds); frees the queries. */
  async read(): Promise<number | null> {
    try {
      if (this.overflow) return null;
      if (this.passes === 0) return 0;
      const bytes = 16 * this.passes;
      const resolve = this.device.createBuffer({ size: bytes, usage: 0x200 /* QUERY_RESOLVE */ | 0x4 /* COPY_SRC */ });
      const read = this.device.createBuffer({ size: bytes, usage: 0x1 /* MAP_READ */ | 0x8 /* COPY_DST */ });
      const enc = this.device.createCommandEncoder();
      enc.resolveQuerySet(this.querySet, 0, 2 * this.passes, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
      this.device.queue.submit([enc.finish()]);
      await read.mapAsync(1 /* READ */);
      const t = new BigUint64Array(read.getMappedRange().slice(0));
      read.unmap();
      resolve.destroy();
      read.destroy();
      let ns = 0n;
      for (let i = 0; i < this.passes; i++) if (t[2 * i + 1] > t[2 * i]) ns += t[2 * i + 1] - t[2 * i];
      return Number(ns) / 1e6;
    } finally {
      this.querySet.destroy();
    }
  }
}
