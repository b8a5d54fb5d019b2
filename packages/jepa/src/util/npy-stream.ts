// Output files written as they are computed (pnpm encode): each batch goes to a temporary file beside
// the target at once, and commit() renames that over the target. Memory stays one batch whatever the
// input size, and a failure midway (disk full, a stop) still leaves an earlier file intact.
import { randomBytes } from 'node:crypto';
import { close, existsSync, fsync, openSync, rmSync, write } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { syncDirectory } from '@jepa/nn';
import { cannotWrite, npyHeader } from './npy.ts';

/** What a streamed file needs of its handle: a file descriptor's, or a test's that fails on cue. */
export interface OutputHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenOutput = (tmp: string) => Promise<OutputHandle>;

// Opened synchronously: an async open still running on libuv's thread pool when a stop calls
// process.exit() would create the file after the exit handler removed it (seen once in CI).
const [writeFd, fsyncFd, closeFd] = [promisify(write), promisify(fsync), promisify(close)];
const openExclusive: OpenOutput = async (tmp) => {
  const fd = openSync(tmp, 'wx');
  return {
    write: (buffer, offset, length, position) => writeFd(fd, buffer, offset, length, position),
    sync: () => fsyncFd(fd),
    close: () => closeFd(fd),
  };
};

/**
 * A file written in pieces to a temporary file beside `path` (same dir, so the rename is atomic), then
 * fsynced and renamed over `path` by commit(). A failed write removes the temporary file and throws
 * naming `what` and saying an earlier `path` is intact; so does a process exit before commit().
 */
export class StreamedFile {
  /** Bytes written so far. */
  size = 0;
  private handle: OutputHandle | null;

  private constructor(
    readonly path: string,
    readonly what: string,
    readonly tmp: string,
    handle: OutputHandle,
    private readonly existed: boolean,
    private readonly removeOnExit: () => void,
  ) {
    this.handle = handle;
  }

  static async open(path: string, what = path, openFile: OpenOutput = openExclusive): Promise<StreamedFile> {
    const target = resolve(path);
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const existed = existsSync(target);
    // process.exit() (a stop, see exitOnStop) runs no finally blocks: the temporary file goes on exit,
    // from before it exists (a stop may come while the open is awaited).
    const removeOnExit = () => rmSync(tmp, { force: true });
    process.on('exit', removeOnExit);
    let handle: OutputHandle;
    try {
      handle = await openFile(tmp);
    } catch (e) {
      process.off('exit', removeOnExit);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw cannotWrite(e, path, what, existed);
    }
    return new StreamedFile(path, what, tmp, handle, existed, removeOnExit);
  }

  /** `bytes` appended, or written over the file at `position` (a header patched at the end). */
  async write(bytes: Uint8Array, position = this.size): Promise<void> {
    const h = this.live();
    try {
      // write() may be partial; loop until the whole chunk is down.
      for (let off = 0; off < bytes.length; ) {
        const { bytesWritten } = await h.write(bytes, off, bytes.length - off, position + off);
        off += bytesWritten;
      }
    } catch (e) {
      await this.abort();
      throw cannotWrite(e, this.path, this.what, this.existed);
    }
    this.size = Math.max(this.size, position + bytes.length);
  }

  /** The file, fsynced, renamed over `path`, and the rename made durable. */
  async commit(): Promise<void> {
    const h = this.live();
    try {
      await h.sync();
      this.handle = null;
      await h.close();
      await rename(this.tmp, resolve(this.path));
    } catch (e) {
      await h.close().catch(() => undefined);
      await this.abort();
      throw cannotWrite(e, this.path, this.what, this.existed);
    }
    process.off('exit', this.removeOnExit);
    await syncDirectory(dirname(resolve(this.path))); // past the rename: `path` is the new file now
  }

  /** The temporary file closed and removed; `path` untouched. Safe to call more than once. */
  async abort(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close().catch(() => undefined);
    await rm(this.tmp, { force: true }).catch(() => undefined);
    process.off('exit', this.removeOnExit);
  }

  private live(): OutputHandle {
    if (!this.handle) throw new Error(`${this.what}: the output file is already closed`);
    return this.handle;
  }
}

/** Fixed, so the row count can be patched in at the end: room for any (n, d) a number can write. */
export const NPY_STREAM_HEADER_BYTES = 128;

/**
 * A float32 (rows, cols) .npy matrix written a batch of rows at a time (see StreamedFile): a
 * placeholder header first, the final row count patched into it by close(). Rows are written through
 * by append(), never kept.
 */
export class NpyStreamWriter {
  /** Rows written so far. */
  rows = 0;

  private constructor(
    private readonly file: StreamedFile,
    readonly cols: number,
  ) {}

  static async open(path: string, cols: number, what = path, openFile?: OpenOutput): Promise<NpyStreamWriter> {
    if (!Number.isInteger(cols) || cols < 0) throw new Error(`${what}: columns must be a whole number, got ${cols}`);
    const file = await StreamedFile.open(path, what, openFile);
    await file.write(npyHeader(0, cols, NPY_STREAM_HEADER_BYTES));
    return new NpyStreamWriter(file, cols);
  }

  /** Bytes written so far (header included). */
  get size(): number {
    return this.file.size;
  }

  async append(batch: readonly Float32Array[]): Promise<void> {
    const d = this.cols;
    const body = new Float32Array(batch.length * d); // little-endian on every platform we run on, as '<f4' says
    for (const [i, r] of batch.entries()) {
      if (r.length !== d) {
        await this.file.abort();
        throw new Error(`${this.file.what}: a row of ${d} values expected, got ${r.length}`);
      }
      body.set(r, i * d);
    }
    await this.file.write(new Uint8Array(body.buffer));
    this.rows += batch.length;
  }

  /** The header patched with the row count, then the file committed over its target. */
  async close(): Promise<void> {
    await this.file.write(npyHeader(this.rows, this.cols, NPY_STREAM_HEADER_BYTES), 0);
    await this.file.commit();
  }

  abort(): Promise<void> {
    return this.file.abort();
  }
}
