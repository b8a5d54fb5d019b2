// pnpm encode streams: the first embeddings come out while stdin is still open (at a terminal, each
// line as it is typed), a .npy written a
// batch at a time is the matrix the library computes (and numpy reads it), and a stop midway leaves
// an earlier --out file as it was, with no temporary file behind.
import '../../../test/gpu.ts';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_TITLES_PATH } from '../src/data/paths.ts';
import { randomEncoder } from '../src/model/load.ts';
import { exportModel } from '../src/train/checkpoint.ts';
import { npyHeader, writeNpyFile } from '../src/util/npy.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jepa-encode-stream-cli-'));
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
const model = join(dir, 'model');
const titles = readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').slice(0, 37);
/** The library's embeddings of `titles`, all at once (what encode computed before it streamed). */
let want: Float32Array[] = [];
const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status === 0;

beforeAll(async () => {
  const enc = await randomEncoder('tiny', { pooling: 'mean', maxTokens: 32 });
  await exportModel(model, enc.bert, enc.tokenizer, { pooling: 'mean', maxTokens: 32, objective: 'none', step: 0 });
  want = await enc.embed(titles, { batchSize: 8 });
  enc.bert.dispose();
});

function start(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', 'packages/jepa/src/cli/encode.ts', '--model', model, ...args], {
    cwd: root,
    env,
  });
}

function run(args: string[], input: string) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'packages/jepa/src/cli/encode.ts', '--model', model, ...args],
    { cwd: root, env, input, encoding: 'utf8', timeout: 120_000 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Resolves once `f()` holds, polling `p`'s output as it comes. */
function until(p: ChildProcessWithoutNullStreams, f: () => boolean, what: string, ms = 90_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (f()) done(resolve);
      else if (p.exitCode !== null) done(() => reject(new Error(`exited ${p.exitCode} before ${what}`)));
    }, 20);
    const limit = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}`))), ms);
    const done = (then: () => void) => {
      clearInterval(t);
      clearTimeout(limit);
      then();
    };
  });
}

const size = (f: string) => {
  try {
    return statSync(f).size;
  } catch {
    return 0; // gone meanwhile
  }
};

const exited = (p: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', (c) => r(c))));

/** The float32 matrix of a .npy whose header is `head` bytes. */
const npyRows = (bytes: Buffer, head: number, d: number) => {
  const m = new Float32Array(bytes.buffer.slice(bytes.byteOffset + head, bytes.byteOffset + bytes.length));
  return Array.from({ length: m.length / d }, (_, i) => m.subarray(i * d, (i + 1) * d));
};

const expectClose = (got: ArrayLike<number>[], rows: Float32Array[], tol: number) => {
  expect(got.length).toBe(rows.length);
  let worst = 0;
  got.forEach((g, i) => {
    for (let j = 0; j < rows[i].length; j++) worst = Math.max(worst, Math.abs(g[j] - rows[i][j]));
  });
  expect(worst).toBeLessThan(tol);
};

describe('pnpm encode streams', () => {
  it('prints the first batch while stdin is still open', async () => {
    const p = start(['--batch-size', '8']);
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdin.write(`${titles.slice(0, 8).join('\n')}\n`);
    try {
      await until(p, () => out.split('\n').length > 8, 'the first batch on stdout');
    } catch (e) {
      p.kill('SIGKILL');
      throw new Error(`${(e as Error).message}; stderr: ${err}`);
    }
    expect(p.stdin.writableEnded).toBe(false); // stdin still open: the output did not wait for its end
    p.stdin.end(`${titles.slice(8, 11).join('\r\n')}`); // the rest, CRLF and no final newline
    expect(await exited(p), err).toBe(0);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as number[]);
    expect(rows.length).toBe(11);
    expectClose(rows.slice(0, 8), want.slice(0, 8), 1e-4);
  });

  let npy = Buffer.alloc(0);
  it('--out e.npy holds the library’s matrix for 37 lines in batches of 8; --out e.jsonl the same rows', async () => {
    const e = join(dir, 'e.npy');
    const r = run(['--batch-size', '8', '--out', e], `${titles.join('\n')}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote 37 × 128 embeddings to ${e}`);
    npy = readFileSync(e);
    // The header: magic, version 1.0, a total length that is a multiple of 64, the shape.
    expect(npy.subarray(0, 8).toString('latin1')).toBe('\x93NUMPY\x01\x00');
    const head = 10 + npy.readUInt16LE(8);
    expect(head % 64).toBe(0);
    expect(npy.subarray(0, head).equals(Buffer.from(npyHeader(37, 128)))).toBe(true);
    expect(npy.length).toBe(head + 37 * 128 * 4);
    expectClose(npyRows(npy, head, 128), want, 1e-5);
    // The non-streaming writer, given the same rows, writes the same bytes.
    await writeNpyFile(join(dir, 'whole.npy'), npyRows(npy, head, 128));
    expect(readFileSync(join(dir, 'whole.npy')).equals(npy)).toBe(true);
    const jl = join(dir, 'e.jsonl');
    const j = run(['--batch-size', '8', '--out', jl], `${titles.join('\n')}\n`);
    expect(j.code, j.stderr).toBe(0);
    const lines = readFileSync(jl, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expectClose(
      lines.map((l) => JSON.parse(l) as number[]),
      npyRows(npy, head, 128),
      1e-5,
    );
    const bad = run(['--out', join(dir, 'e.txt')], 'x\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`pnpm encode: --out must end in .npy or .jsonl, got ${join(dir, 'e.txt')}`);
  });

  it.skipIf(!hasNumpy)('numpy.load reads the streamed .npy', () => {
    const e = join(dir, 'e.npy');
    const py = 'import sys, numpy; a = numpy.load(sys.argv[1]); print(a.shape, a.dtype, repr(float(a[36, 127])))';
    const r = spawnSync('/usr/bin/python3', ['-c', py, e], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`(37, 128) float32 ${npyRows(npy, 128, 128)[36][127]}`);
  });

  it('a stop midway leaves the earlier k.npy byte-identical and no temporary file', async () => {
    const sub = mkdtempSync(join(dir, 'stop-'));
    const k = join(sub, 'k.npy');
    await writeNpyFile(k, [new Float32Array(128).fill(1)]);
    const good = readFileSync(k);
    const p = start(['--batch-size', '8', '--out', k]);
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const temp = () => readdirSync(sub).filter((f) => f.endsWith('.tmp'));
    p.stdin.write(`${titles.slice(0, 8).join('\n')}\n`); // one batch, then stdin stays open
    try {
      // Stopped once the first batch is in the temporary file, while the encoder waits for more input.
      await until(p, () => temp().some((f) => size(join(sub, f)) > 128), 'the first batch written');
    } finally {
      p.kill('SIGTERM');
    }
    expect(await exited(p)).toBe(143);
    expect(err).toMatch(`pnpm encode: stopped (SIGTERM); nothing written to ${k} (the previous ${k} is intact)`);
    expect(readFileSync(k).equals(good)).toBe(true);
    expect(readdirSync(sub)).toEqual(['k.npy']);
  });

  it('at a terminal, each typed line is answered before the next is typed', () => {
    // Each line is typed only once the previous one's embedding is out: a batch that waited for
    // more lines would never come, and the run would time out with fewer lines typed.
    const typed = [titles[0], titles[1]];
    const steps = [
      ['maxDynamicStorage', typed[0]],
      [']', typed[1]],
      [']', null],
    ];
    const r = spawnSync(
      'python3',
      [
        join(root, 'packages/jepa/test/fixtures/pty-type.py'),
        root,
        '60',
        '--',
        process.execPath,
        '--import',
        'tsx',
        'packages/jepa/src/cli/encode.ts',
        '--model',
        model,
      ],
      { env, input: JSON.stringify(steps), encoding: 'utf8', timeout: 90_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { output: string; exit: number; typed: number };
    expect(got.typed, got.output).toBe(3);
    expect(got.exit, got.output).toBe(0);
    const rows = got.output
      .split(/\r?\n/)
      .filter((l) => l.startsWith('['))
      .map((l) => JSON.parse(l) as number[]);
    expectClose(rows, want.slice(0, 2), 1e-4);
  });
});
