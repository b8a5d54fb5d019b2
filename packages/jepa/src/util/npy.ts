// NumPy .npy (v1.0) writer for a float32 matrix, and the CLIs' output files: written whole to a
// temporary file beside the target and renamed over it, so a failed write (disk full, read-only)
// never replaces a good file; the error names the file and says what is intact.
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type AtomicWriteData, writeFileAtomic } from '@jepa/nn';

/**
 * The .npy header (magic, version, header length, the dict, padded to 64 bytes) of an (n, d) float32
 * matrix; `length` fixes its size (a multiple of 64), so a streamed file can patch in its row count.
 */
export function npyHeader(n: number, d: number, length?: number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  const pre = 10; // magic(6) + version(2) + header length(2)
  const fit = Math.ceil((pre + header.length + 1) / 64) * 64;
  if (length !== undefined && (length < fit || length % 64 !== 0))
    throw new Error(`npyHeader: length must be a multiple of 64 of at least ${fit}, got ${length}`);
  const total = length ?? fit;
  header = `${header.padEnd(total - pre - 1, ' ')}\n`;
  const out = new Uint8Array(total);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), pre);
  return out;
}

/** `rows` as a float32 .npy matrix; `cols` gives the width when there may be no row to read it from. */
export function npyBytes(rows: readonly Float32Array[], cols?: number): Uint8Array {
  const n = rows.length;
  const d = rows[0]?.length ?? cols ?? 0;
  const head = npyHeader(n, d);
  const out = new Uint8Array(head.length + n * d * 4);
  out.set(head, 0);
  const body = new Float32Array(out.buffer, head.length, n * d);
  rows.forEach((r, i) => body.set(r, i * d));
  return out;
}

/** `data` written to `path` atomically; a failure names `what` (e.g. `--out k.npy`) and what is left intact. */
export async function writeOutputFile(path: string, data: AtomicWriteData, what = path): Promise<void> {
  const existed = existsSync(path);
  try {
    await writeFileAtomic(path, data);
  } catch (e) {
    throw cannotWrite(e, path, what, existed);
  }
}

/** A failed write of output file `path`, naming `what` and what is left: an earlier file (if it `existed`) or nothing. */
export function cannotWrite(e: unknown, path: string, what: string, existed: boolean): Error {
  const err = e as NodeJS.ErrnoException;
  const why = err.code ? err.message.split(',')[0] : err.message; // "ENOSPC: no space left on device"
  return new Error(
    `${what}: cannot write (${why}); ${existed ? `the previous ${path} is intact` : `nothing was written to ${path}`}`,
  );
}

/** The matrix `rows` as a .npy file at `path`, written atomically (see writeOutputFile). */
export async function writeNpyFile(
  path: string,
  rows: readonly Float32Array[],
  what = path,
  cols?: number,
): Promise<void> {
  await writeOutputFile(path, npyBytes(rows, cols), what);
}

/** Can a file be created beside `path`? Checked by creating (and removing) a probe there, so a
 *  read-only or missing dir is named before any compute; `what` names the option. */
export async function checkWritable(path: string, what = path): Promise<void> {
  const dir = dirname(resolve(path));
  const probe = join(dir, `.${basename(path)}.${process.pid}.probe`);
  // Synchronous, so a stop (process.exit) cannot come between the probe's creation and its removal.
  try {
    closeSync(openSync(probe, 'wx'));
    rmSync(probe, { force: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `${what}: cannot write there (${err.code === 'ENOENT' ? `no such directory: ${dir}` : (err.code ?? err.message)})`,
    );
  }
}
