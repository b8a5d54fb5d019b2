// Crash-safe file replacement: readers see either the old file or the complete new one, never a torn write.

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export type AtomicWriteData = string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Writes `data` (bytes, a UTF-8 string, or chunks) to a temporary file beside `path`, fsyncs it, renames it
 * over `path` and fsyncs the directory so the rename itself is durable. On any error the temporary file is
 * removed and an existing `path` is left untouched; so it is on a process.exit() midway (a CLI's stop).
 */
export async function writeFileAtomic(path: string, data: AtomicWriteData): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  // Same directory, so rename() stays on one filesystem and is atomic.
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  const removeOnExit = () => rmSync(tmp, { force: true }); // process.exit() runs no catch blocks
  process.on('exit', removeOnExit);
  try {
    handle = await open(tmp, 'wx');
    for await (const chunk of chunksOf(data)) await writeAll(handle, chunk);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw naming(err, target);
  } finally {
    process.off('exit', removeOnExit);
  }
  await syncDirectory(dir);
}

/** A failed write() says only "ENOSPC: no space left on device, write": name the file it was for. */
function naming(err: unknown, target: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && e.code && !e.path) {
    e.path = target;
    e.message = `${e.message} (writing ${target})`;
  }
  return err;
}

async function* chunksOf(data: AtomicWriteData): AsyncIterable<Uint8Array> {
  if (typeof data === 'string') yield new TextEncoder().encode(data);
  else if (data instanceof Uint8Array) yield data;
  else yield* data;
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  // write() may be partial; loop until the whole chunk is down.
  for (let off = 0; off < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

// Platforms (e.g. Windows) that cannot open or fsync a directory report one of these; skip the sync there.
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF']);

/** fsync a directory, so a rename into it survives a crash (a no-op where directories cannot be synced). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}
