import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/io/atomic.ts';

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'jepa-atomic-'));
const isRoot = process.getuid?.() === 0;

describe('writeFileAtomic', () => {
  it('creates and replaces files from bytes, strings and chunks', async () => {
    const dir = freshDir();
    const path = join(dir, 'out.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    await writeFileAtomic(path, 'héllo');
    expect(readFileSync(path, 'utf8')).toBe('héllo');
    await writeFileAtomic(path, [new Uint8Array([7]), new Uint8Array(0), new Uint8Array([8, 9])]);
    expect(Array.from(readFileSync(path))).toEqual([7, 8, 9]);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(70_000).fill(5);
      yield new Uint8Array([6]);
    }
    await writeFileAtomic(path, chunks());
    const back = readFileSync(path);
    expect(back.length).toBe(70_001);
    expect(back[69_999]).toBe(5);
    expect(back[70_000]).toBe(6);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('leaves the previous file intact and no temp file when the data throws mid-way', async () => {
    const dir = freshDir();
    const path = join(dir, 'ckpt.bin');
    writeFileSync(path, 'previous');
    function* failing(): Generator<Uint8Array> {
      yield new TextEncoder().encode('partial new content');
      throw new Error('producer failed');
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow('producer failed');
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['ckpt.bin']);
  });

  it('fails cleanly when the directory does not exist or is not a directory', async () => {
    const dir = freshDir();
    await expect(writeFileAtomic(join(dir, 'missing', 'f.bin'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(join(dir, 'file'), 'keep');
    await expect(writeFileAtomic(join(dir, 'file', 'f.bin'), 'x')).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('keep');
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('removes the temp file when the final rename fails', async () => {
    const dir = freshDir();
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'keep');
    // Renaming a file over a non-empty directory fails (EISDIR / ENOTEMPTY / EPERM by platform).
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('keep');
  });

  it.skipIf(isRoot)('leaves the previous file intact in a read-only directory', async () => {
    const dir = freshDir();
    const path = join(dir, 'f.bin');
    writeFileSync(path, 'previous');
    chmodSync(dir, 0o500);
    try {
      await expect(writeFileAtomic(path, 'new')).rejects.toMatchObject({ code: 'EACCES' });
      expect(readFileSync(path, 'utf8')).toBe('previous');
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('concurrent writers each land whole', async () => {
    const dir = freshDir();
    const path = join(dir, 'race.txt');
    const payloads = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(payloads.map((p) => writeFileAtomic(path, p)));
    expect(payloads).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(dir)).toEqual(['race.txt']);
  });

  it('a process.exit() midway (a CLI stop) leaves the previous file and no temporary file', () => {
    const dir = freshDir();
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'previous');
    const atomic = fileURLToPath(new URL('../src/io/atomic.ts', import.meta.url));
    // One chunk written, the next never comes; the process exits once the temporary file is there.
    const child = `
      import { readdirSync } from 'node:fs';
      import { writeFileAtomic } from ${JSON.stringify(atomic)};
      async function* stalls() { yield new Uint8Array(10); await new Promise(() => {}); }
      void writeFileAtomic(${JSON.stringify(path)}, stalls());
      setInterval(() => { if (readdirSync(${JSON.stringify(dir)}).length > 1) process.exit(3); }, 5);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    expect(readdirSync(dir)).toEqual(['out.bin']);
    expect(readFileSync(path, 'utf8')).toBe('previous');
  });
});
