// The CLIs' output files are written whole beside the target and renamed: a write that fails midway
// (the disk fills) never replaces a good file, and the error names the file and says it is intact.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkWritable, npyBytes, npyHeader, writeNpyFile, writeOutputFile } from '../src/util/npy.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jepa-atomic-out-'));

/** A disk that fills after `bytes`: the chunks of `data` up to there, then ENOSPC, as write(2) says it. */
async function* fillsAfter(data: Uint8Array, bytes: number): AsyncIterable<Uint8Array> {
  yield data.subarray(0, bytes);
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
}

describe('output files written atomically', () => {
  const rows = (n: number, d: number, v: number) => Array.from({ length: n }, () => new Float32Array(d).fill(v));

  it('a write that fails midway leaves the previous k.npy intact, names the file and says so; no temp file is left', async () => {
    const k = join(dir, 'k.npy');
    await writeNpyFile(k, rows(3, 4, 0.5), `--out ${k}`);
    const good = readFileSync(k);
    expect(good.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(good.toString('latin1')).toContain("'shape': (3, 4)");
    expect(
      new Float32Array(good.buffer.slice(good.byteOffset + npyHeader(3, 4).length, good.byteOffset + good.length)),
    ).toEqual(new Float32Array(12).fill(0.5));
    // The next encode (3000 × 128) runs out of disk after its header and 1 000 bytes.
    const big = npyBytes(rows(3000, 128, 1));
    await expect(writeOutputFile(k, fillsAfter(big, 1128), `--out ${k}`)).rejects.toThrow(
      `--out ${k}: cannot write (ENOSPC: no space left on device); the previous ${k} is intact`,
    );
    expect(readFileSync(k).equals(good)).toBe(true);
    expect(readdirSync(dir)).toEqual(['k.npy']);
  });

  it('a first write that fails says nothing was written; a missing dir is named before any compute', async () => {
    const fresh = join(dir, 'fresh.npy');
    await expect(writeOutputFile(fresh, fillsAfter(new Uint8Array(10), 5))).rejects.toThrow(
      `${fresh}: cannot write (ENOSPC: no space left on device); nothing was written to ${fresh}`,
    );
    expect(readdirSync(dir)).not.toContain('fresh.npy');
    const nowhere = join(dir, 'no-such-dir', 'e.npy');
    await expect(checkWritable(nowhere, `--out ${nowhere}`)).rejects.toThrow(
      `--out ${nowhere}: cannot write there (no such directory: ${join(dir, 'no-such-dir')})`,
    );
    await checkWritable(join(dir, 'ok.npy')); // a writable dir passes and keeps nothing of the probe
    expect(readdirSync(dir).filter((f) => f.includes('probe'))).toEqual([]);
  });

  it('pnpm encode checks --out before loading the model or reading any input', () => {
    const out = join(dir, 'missing', 'e.npy');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'packages/jepa/src/cli/encode.ts', '--model', join(dir, 'no-model'), '--out', out],
      { cwd: root, input: 'a\n', encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`--out ${out}: cannot write there (no such directory: ${join(dir, 'missing')})`);
  });
});
