// pnpm encode's streaming parts without a model: stdin split into lines as the whole-input split did,
// batches yielded before the input ends, and the .npy writer that writes each batch through to a
// temporary file (holding no rows) and leaves an earlier file intact when a write fails midway.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inBatches, readLines } from '../src/cli/lines.ts';
import { npyBytes, npyHeader, writeNpyFile } from '../src/util/npy.ts';
import { NPY_STREAM_HEADER_BYTES, NpyStreamWriter, type OutputHandle } from '../src/util/npy-stream.ts';

const dir = mkdtempSync(join(tmpdir(), 'jepa-encode-stream-'));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** `bytes` as chunks of `size` (a UTF-8 character may be cut in two). */
async function* chunks(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Rows of `d` values, row i holding i + j / 1000. */
const rows = (from: number, n: number, d: number) =>
  Array.from({ length: n }, (_, i) => Float32Array.from({ length: d }, (_, j) => from + i + j / 1000));

describe('stdin as lines and batches', () => {
  it('splits as text.split("\\n") less a final empty piece, for every chunking', async () => {
    for (const text of ['', '\n', 'a', 'a\n', 'a\n\n', 'a\r\nb\r\n', 'a\n\nb', 'é€𝄞\nñ', 'x\r', ' \n \n']) {
      const want = text.split('\n');
      if (want.at(-1) === '') want.pop();
      for (const size of [1, 2, 3, 64]) {
        expect(await collect(readLines(chunks(Buffer.from(text), size))), `${JSON.stringify(text)} / ${size}`).toEqual(
          want,
        );
      }
    }
  });

  it('yields a full batch before the input ends', async () => {
    let ended = false;
    async function* input() {
      yield Buffer.from('a\nb\nc');
      yield Buffer.from('\nd\n');
      await new Promise((r) => setTimeout(r, 10));
      ended = true;
      yield Buffer.from('e');
    }
    const it = inBatches(readLines(input()), 2);
    expect((await it.next()).value).toEqual(['a', 'b']);
    expect((await it.next()).value).toEqual(['c', 'd']);
    expect(ended).toBe(false);
    expect(await collect(it)).toEqual([['e']]);
    await expect(collect(inBatches(readLines(input()), 0))).rejects.toThrow(
      'inBatches: size must be a positive integer, got 0',
    );
  });
});

/** A real handle whose writes fail with ENOSPC, as write(2) says it, once `limit` bytes have gone down. */
function fillsAfter(limit: number) {
  return async (tmp: string): Promise<OutputHandle> => {
    const h = await open(tmp, 'wx');
    let written = 0;
    return {
      async write(buf, off, len, pos) {
        if (written + len > limit)
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
            code: 'ENOSPC',
            syscall: 'write',
          });
        written += len;
        return h.write(buf, off, len, pos);
      },
      sync: () => h.sync(),
      close: () => h.close(),
    };
  };
}

describe('the streamed .npy writer', () => {
  it('writes the file writeNpyFile writes, a batch at a time, holding no row', async () => {
    const d = 5;
    const all = [...rows(0, 8, d), ...rows(8, 8, d), ...rows(16, 5, d)];
    const path = join(dir, 'stream.npy');
    const w = await NpyStreamWriter.open(path, d, `--out ${path}`);
    const temp = () => readdirSync(dir).filter((f) => f.startsWith('.stream.npy.') && f.endsWith('.tmp'));
    for (const from of [0, 8, 16]) {
      const batch = all.slice(from, Math.min(from + 8, all.length)).map((r) => r.slice());
      await w.append(batch);
      // Written through: on disk at once, and the caller's arrays are not kept (NaN them: no change).
      expect(statSync(join(dir, temp()[0])).size).toBe(NPY_STREAM_HEADER_BYTES + (from + batch.length) * d * 4);
      for (const r of batch) r.fill(Number.NaN);
    }
    expect(readdirSync(dir)).not.toContain('stream.npy'); // nothing at the target before close()
    await w.close();
    expect(temp()).toEqual([]);
    const want = join(dir, 'whole.npy');
    await writeNpyFile(want, all);
    const got = readFileSync(path);
    expect(got.equals(readFileSync(want))).toBe(true);
    expect(got.subarray(0, NPY_STREAM_HEADER_BYTES).equals(Buffer.from(npyHeader(21, d)))).toBe(true);
    // No rows: a (0, cols) matrix, as npyBytes writes it.
    const empty = join(dir, 'empty.npy');
    await (await NpyStreamWriter.open(empty, 7)).close();
    expect(readFileSync(empty).equals(Buffer.from(npyBytes([], 7)))).toBe(true);
  });

  it('the header is a fixed 128 bytes that numpy reads: magic, v1.0, a multiple of 64, the shape, "\\n" last', () => {
    for (const [n, d] of [
      [0, 128],
      [37, 128],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ]) {
      const h = Buffer.from(npyHeader(n, d, NPY_STREAM_HEADER_BYTES));
      expect(h.length).toBe(128);
      expect(h.subarray(0, 8).toString('latin1')).toBe('\x93NUMPY\x01\x00');
      expect(10 + h.readUInt16LE(8)).toBe(128);
      const dict = h.subarray(10).toString('latin1');
      expect(dict).toMatch(
        new RegExp(`^\\{'descr': '<f4', 'fortran_order': False, 'shape': \\(${n}, ${d}\\), \\} *\\n$`),
      );
    }
    expect(() => npyHeader(1, 1, 100)).toThrow('npyHeader: length must be a multiple of 64 of at least 128, got 100');
  });

  it('a write failing midway leaves the previous k.npy byte-identical and no temp file, and says so', async () => {
    const sub = mkdtempSync(join(dir, 'fail-'));
    const k = join(sub, 'k.npy');
    await writeNpyFile(k, rows(0, 3, 4), `--out ${k}`);
    const good = readFileSync(k);
    // The header and the first batch (8 × 4 float32) fit, the second batch does not.
    const w = await NpyStreamWriter.open(k, 4, `--out ${k}`, fillsAfter(NPY_STREAM_HEADER_BYTES + 8 * 16 + 10));
    await w.append(rows(0, 8, 4));
    expect(readdirSync(sub).length).toBe(2); // k.npy and the temporary file
    await expect(w.append(rows(8, 8, 4))).rejects.toThrow(
      `--out ${k}: cannot write (ENOSPC: no space left on device); the previous ${k} is intact`,
    );
    expect(readFileSync(k).equals(good)).toBe(true);
    expect(readdirSync(sub)).toEqual(['k.npy']);
    await w.abort(); // again: harmless
    // A first output that fails says nothing was written, and leaves nothing.
    const fresh = join(sub, 'fresh.npy');
    const f = await NpyStreamWriter.open(fresh, 4, `--out ${fresh}`, fillsAfter(NPY_STREAM_HEADER_BYTES));
    await expect(f.append(rows(0, 1, 4))).rejects.toThrow(
      `--out ${fresh}: cannot write (ENOSPC: no space left on device); nothing was written to ${fresh}`,
    );
    expect(readdirSync(sub)).toEqual(['k.npy']);
    // A row of the wrong width is refused, and the temporary file goes too.
    const wide = await NpyStreamWriter.open(join(sub, 'w.npy'), 4, '--out w.npy');
    await expect(wide.append(rows(0, 1, 5))).rejects.toThrow('--out w.npy: a row of 4 values expected, got 5');
    expect(readdirSync(sub)).toEqual(['k.npy']);
  });

  it('a process.exit() after a batch (a stop) leaves the previous k.npy and no temporary file', async () => {
    const sub = mkdtempSync(join(dir, 'exit-'));
    const k = join(sub, 'k.npy');
    await writeNpyFile(k, rows(0, 3, 4));
    const good = readFileSync(k);
    const stream = fileURLToPath(new URL('../src/util/npy-stream.ts', import.meta.url));
    const child = `
      import { NpyStreamWriter } from ${JSON.stringify(stream)};
      const w = await NpyStreamWriter.open(${JSON.stringify(k)}, 2);
      await w.append([new Float32Array([1, 2])]);
      process.exit(3);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    expect(readdirSync(sub)).toEqual(['k.npy']);
    expect(readFileSync(k).equals(good)).toBe(true);
  });
});
